//! The flow diagram: key timeline entries → contributing factors → actions, drawn as a
//! left-to-right layered graph (Sugiyama-style).
//!
//! 1. **Layers.** Events are the first layer, in time order. A factor sits one layer right of
//!    every factor that leads to it (longest path), so `leads_to` chains read left to right.
//!    Actions are the last layer.
//! 2. **Long edges** get a dummy node in every layer they cross, so they can bend around boxes.
//! 3. **Crossings** are reduced by barycentre sweeps, down and up, keeping the best order seen.
//!    The events keep their time order.
//! 4. **Positions.** Each node moves towards the mean height of its neighbours; overlaps are
//!    then pushed apart, keeping the order.
//! 5. **Edges** are cubic curves through their dummy points.
//!
//! Labels wrap to the box with the embedded font's real advances, so no label leaves its box.
//!
//! The rooms, each importing only those after it: `draw` (SVG) → `layout` (steps 1, 2 and the
//! driver) → `place` (step 4) → `order` (step 3); `route` (step 5) → `graph` (what a layout is
//! made of) → `sizes`.

mod draw;
mod graph;
mod layout;
mod order;
mod place;
mod route;
mod sizes;

pub use draw::{draw, draw_for, draw_in};
pub use graph::{Edge, Layout, Node, NodeKind, Piece, Target, wrap};
pub use layout::{layout, layout_for, layout_in};
pub use route::route;
pub use sizes::Sizes;
