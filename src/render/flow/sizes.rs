//! The flow diagram's measures: for the report, a docs site's column and a shared screen.

/// The measures of a flow diagram, in SVG units.
///
/// [`Sizes::PAGE`] is for the report, which scales the diagram to its column. [`Sizes::screen`]
/// fits a shared screen of a known width, where one unit is one CSS pixel: the columns share
/// the width, and no text is under 15 px (the shared screen's floor is 14 px).
/// [`Sizes::column`] does the same for a docs site's content column, with no text under 12 px.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Sizes {
    /// A label's font size.
    pub font: f64,
    /// A label's line height.
    pub line: f64,
    /// The space between a box's edge and its text.
    pub pad: f64,
    pub event_width: f64,
    /// A factor with no votes; each vote (up to ten) adds `vote_width`.
    pub factor_width: f64,
    pub vote_width: f64,
    pub action_width: f64,
    pub column_gap: f64,
    pub row_gap: f64,
    pub margin: f64,
    pub header: f64,
    /// The column headings' font size.
    pub heading: f64,
}
impl Sizes {
    /// For the report: 12.5 px labels in boxes about 230 units wide.
    pub const PAGE: Sizes = Sizes {
        font: 12.5,
        line: 16.0,
        pad: 8.0,
        event_width: 210.0,
        factor_width: 230.0,
        vote_width: 6.0,
        action_width: 230.0,
        column_gap: 90.0,
        row_gap: 14.0,
        margin: 16.0,
        header: 30.0,
        heading: 14.0,
    };

    /// The width of the report's column, in units of [`Sizes::PAGE`]: the diagram is drawn to
    /// fit it rather than scaled down or scrolled.
    pub const PAGE_WIDTH: f64 = 1200.0;

    /// For the report, with `columns` columns: [`Sizes::PAGE`], with the columns narrowed (to
    /// 150 units at least, and closer together) when more of them would not fit
    /// [`Sizes::PAGE_WIDTH`].
    pub fn page(columns: usize) -> Sizes {
        let page = Sizes::PAGE;
        let n = columns.max(1) as f64;
        let natural = 2.0 * page.margin
            + page.event_width
            + (n - 2.0).max(0.0) * (page.factor_width + 10.0 * page.vote_width)
            + page.action_width
            + (n - 1.0) * page.column_gap;
        if natural <= Sizes::PAGE_WIDTH {
            return page;
        }
        let column_gap = 56.0;
        let column = ((Sizes::PAGE_WIDTH - 2.0 * page.margin - (n - 1.0) * column_gap) / n)
            .clamp(150.0, page.action_width);
        Sizes {
            event_width: column,
            factor_width: column - 10.0 * page.vote_width,
            action_width: column,
            column_gap,
            ..page
        }
    }

    /// For a screen `width` CSS pixels wide showing `columns` columns: 17 px labels (15 px
    /// captions), the boxes as wide as the screen allows and never under 180 px (past that,
    /// the diagram is wider than the screen and scrolls rather than shrinking its text).
    pub fn screen(width: f64, columns: usize) -> Sizes {
        let (margin, column_gap) = (16.0, 64.0);
        let columns = columns.max(1) as f64;
        let column =
            ((width - 2.0 * margin - (columns - 1.0) * column_gap) / columns).clamp(180.0, 640.0);
        // Votes widen a factor's box a little; on a screen, width is for words first.
        let vote_width = 3.0;
        Sizes {
            font: 17.0,
            line: 22.0,
            pad: 10.0,
            event_width: column,
            // The most-voted factor fills its column.
            factor_width: column - 10.0 * vote_width,
            vote_width,
            action_width: column,
            column_gap,
            row_gap: 16.0,
            margin,
            header: 36.0,
            heading: 19.0,
        }
    }

    /// For a docs site's content column `width` units wide, showing `columns` columns: drawn
    /// for one unit per CSS pixel, 14 px labels and 12 px captions, and columns as wide as
    /// their text needs and at least 96 units: five columns fit 680 units, and a longer chain
    /// of factors is folded into one column (see [`Layout::links`](crate::render::flow::Layout::links)).
    pub fn column(width: f64, columns: usize) -> Sizes {
        let (margin, column_gap) = (8.0, 24.0);
        let n = columns.max(1) as f64;
        let column = ((width - 2.0 * margin - (n - 1.0) * column_gap) / n).clamp(96.0, 320.0);
        let vote_width = 2.0;
        Sizes {
            font: 14.0,
            line: 18.0,
            pad: 7.0,
            event_width: column,
            factor_width: column - 10.0 * vote_width,
            vote_width,
            action_width: column,
            column_gap,
            row_gap: 12.0,
            margin,
            header: 30.0,
            heading: 14.0,
        }
    }

    /// A box caption's font size (time, category and votes, status).
    pub fn caption(&self) -> f64 {
        self.font - 2.0
    }
}
