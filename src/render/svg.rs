//! SVG that looks the same everywhere: text is drawn as glyph outlines from a font embedded in
//! the binary (DejaVu Sans), so a machine without fonts shows exactly what CI snapshot-tested.
//!
//! [`SvgDoc`] collects elements and the glyphs they use; each glyph is defined once in `<defs>`
//! and placed with `<use>`. [`Backend`] lets plotters draw into a document, with plotters' text
//! going through the same glyph path.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::OnceLock;

use plotters::style::text_anchor::{HPos, VPos};
use plotters_backend::{
    BackendColor, BackendCoord, BackendStyle, BackendTextStyle, DrawingBackend, DrawingErrorKind,
    FontTransform,
};
use ttf_parser::{Face, GlyphId, OutlineBuilder};

/// The embedded font.
fn face() -> &'static Face<'static> {
    static FACE: OnceLock<Face<'static>> = OnceLock::new();
    // The font ships inside the `dejavu` crate; parsing it cannot fail.
    FACE.get_or_init(|| {
        Face::parse(dejavu::sans::regular(), 0).expect("the embedded DejaVu Sans parses")
    })
}

/// A number for SVG output: one decimal, no trailing `.0`, so output is stable and small.
pub fn num(v: f64) -> String {
    // Integer arithmetic: float formatting is slow, and this runs for every coordinate.
    let tenths = (v * 10.0).round() as i64;
    let (sign, abs) = if tenths < 0 {
        ("-", -tenths)
    } else {
        ("", tenths)
    };
    match abs % 10 {
        0 if abs == 0 => "0".to_owned(),
        0 => format!("{sign}{}", abs / 10),
        d => format!("{sign}{}.{d}", abs / 10),
    }
}

/// Escapes text for SVG/XML content and attribute values.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c if (c as u32) < 0x20 && c != '\n' && c != '\t' => {}
            c => out.push(c),
        }
    }
    out
}

/// Where a text's anchor point is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Anchor {
    Start,
    Middle,
    End,
}

/// Width in pixels of `text` at `size` pixels.
pub fn text_width(text: &str, size: f64) -> f64 {
    let face = face();
    let scale = size / f64::from(face.units_per_em());
    text.chars()
        .map(|c| f64::from(glyph_and_advance(c).1) * scale)
        .sum()
}

/// The longest prefix of `text` (on a word boundary where possible) that fits in `width`,
/// with an ellipsis when cut.
pub fn fit(text: &str, size: f64, width: f64) -> String {
    if text_width(text, size) <= width {
        return text.to_owned();
    }
    let ellipsis = text_width("…", size);
    let mut used = 0.0;
    let mut cut = 0;
    for (i, c) in text.char_indices() {
        used += text_width(c.encode_utf8(&mut [0; 4]), size);
        if used + ellipsis > width {
            break;
        }
        cut = i + c.len_utf8();
    }
    let head = &text[..cut];
    let head = match head.rfind(' ') {
        Some(space) if space > cut / 2 => &head[..space],
        _ => head,
    };
    format!("{}…", head.trim_end())
}

fn glyph(c: char) -> GlyphId {
    glyph_and_advance(c).0
}

/// A character's glyph and advance width (font units); ASCII is looked up once and cached.
fn glyph_and_advance(c: char) -> (GlyphId, u16) {
    static ASCII: OnceLock<Vec<(GlyphId, u16)>> = OnceLock::new();
    let lookup = |c: char| {
        let face = face();
        let id = face
            .glyph_index(c)
            .or_else(|| face.glyph_index('?'))
            .unwrap_or(GlyphId(0));
        (id, face.glyph_hor_advance(id).unwrap_or(0))
    };
    if c.is_ascii() {
        ASCII.get_or_init(|| (0u8..128).map(|b| lookup(b as char)).collect())[c as usize]
    } else {
        lookup(c)
    }
}

/// An SVG document being drawn.
#[derive(Debug)]
pub struct SvgDoc {
    width: u32,
    height: u32,
    /// Prefix for element ids, so several SVGs can be inlined in one page.
    id: String,
    body: String,
    glyphs: BTreeMap<u16, &'static str>,
}

impl SvgDoc {
    pub fn new(width: u32, height: u32, id: &str) -> SvgDoc {
        SvgDoc {
            width,
            height,
            id: id.to_owned(),
            body: String::new(),
            glyphs: BTreeMap::new(),
        }
    }

    pub fn size(&self) -> (u32, u32) {
        (self.width, self.height)
    }

    /// Appends raw SVG markup. The caller escapes any text in it.
    pub fn raw(&mut self, svg: &str) {
        self.body.push_str(svg);
    }

    /// Draws `text` with its baseline at `y`.
    pub fn text(&mut self, text: &str, x: f64, y: f64, size: f64, anchor: Anchor, class: &str) {
        self.rotated_text(text, x, y, size, anchor, class, 0);
    }

    /// Draws `text` turned by `degrees` (clockwise) around its anchor point.
    #[allow(clippy::too_many_arguments)] // Mirrors SVG's own text attributes one to one.
    pub fn rotated_text(
        &mut self,
        text: &str,
        x: f64,
        y: f64,
        size: f64,
        anchor: Anchor,
        class: &str,
        degrees: i32,
    ) {
        let face = face();
        let scale = size / f64::from(face.units_per_em());
        let width = text_width(text, size);
        let shift = match anchor {
            Anchor::Start => 0.0,
            Anchor::Middle => -width / 2.0,
            Anchor::End => -width,
        };
        let _ = if degrees == 0 {
            write!(
                self.body,
                r#"<g class="{class}" transform="translate({},{}) scale({})">"#,
                num(x + shift),
                num(y),
                fmt_scale(scale)
            )
        } else {
            write!(
                self.body,
                r#"<g class="{class}" transform="translate({},{}) rotate({degrees}) translate({},0) scale({})">"#,
                num(x),
                num(y),
                num(shift),
                fmt_scale(scale)
            )
        };
        let mut cursor = 0i32;
        for c in text.chars() {
            let id = glyph(c);
            if !c.is_whitespace() {
                self.define(id);
                // This runs for every character of every label: plain pushes, no formatting
                // machinery.
                self.body.push_str(r##"<use xlink:href="#"##);
                self.body.push_str(&self.id);
                self.body.push_str("-g");
                push_int(&mut self.body, i64::from(id.0));
                self.body.push_str(r#"" x=""#);
                push_int(&mut self.body, i64::from(cursor));
                self.body.push_str(r#""/>"#);
            }
            cursor += i32::from(glyph_and_advance(c).1);
        }
        self.body.push_str("</g>");
    }

    fn define(&mut self, id: GlyphId) {
        self.glyphs.entry(id.0).or_insert_with(|| glyph_path(id));
    }

    /// The finished document, with a `<title>` and `<desc>` for screen readers.
    pub fn finish(self, title: &str, desc: &str) -> String {
        let mut svg = String::with_capacity(self.body.len() + self.glyphs.len() * 300 + 512);
        let _ = write!(
            svg,
            r#"<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" viewBox="0 0 {w} {h}" width="{w}" height="{h}" role="img" aria-labelledby="{id}-title {id}-desc" class="diagram {id}">"#,
            w = self.width,
            h = self.height,
            id = self.id
        );
        let _ = write!(
            svg,
            r#"<title id="{}-title">{}</title><desc id="{}-desc">{}</desc>"#,
            self.id,
            escape(title),
            self.id,
            escape(desc)
        );
        // Glyphs are in font units with y up; each use flips them.
        svg.push_str("<defs>");
        for (gid, d) in &self.glyphs {
            svg.push_str(r#"<path id=""#);
            svg.push_str(&self.id);
            svg.push_str("-g");
            push_int(&mut svg, i64::from(*gid));
            svg.push_str(r#"" transform="scale(1,-1)" d=""#);
            svg.push_str(d);
            svg.push_str(r#""/>"#);
        }
        svg.push_str("</defs>");
        svg.push_str(&self.body);
        svg.push_str("</svg>\n");
        svg
    }
}

/// Appends an integer in decimal, without `fmt`'s machinery.
fn push_int(out: &mut String, v: i64) {
    if v < 0 {
        out.push('-');
    }
    let mut n = v.unsigned_abs();
    let mut digits = [0u8; 20];
    let mut i = digits.len();
    loop {
        i -= 1;
        digits[i] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    // Only ASCII digits were written.
    out.push_str(std::str::from_utf8(&digits[i..]).unwrap_or_default());
}

/// The outline of a glyph as SVG path data, made once per process: every document that uses
/// the glyph shares it.
fn glyph_path(id: GlyphId) -> &'static str {
    static PATHS: OnceLock<Vec<OnceLock<String>>> = OnceLock::new();
    let paths = PATHS.get_or_init(|| {
        (0..face().number_of_glyphs())
            .map(|_| OnceLock::new())
            .collect()
    });
    match paths.get(usize::from(id.0)) {
        Some(cell) => cell.get_or_init(|| {
            let mut path = PathData(String::new());
            face().outline_glyph(id, &mut path);
            path.0
        }),
        None => "",
    }
}

fn fmt_scale(scale: f64) -> String {
    format!("{:.5}", scale)
        .trim_end_matches('0')
        .trim_end_matches('.')
        .to_owned()
}

/// Glyph outlines as SVG path data, in integer font units.
struct PathData(String);

impl OutlineBuilder for PathData {
    fn move_to(&mut self, x: f32, y: f32) {
        let _ = write!(self.0, "M{} {}", x.round(), y.round());
    }
    fn line_to(&mut self, x: f32, y: f32) {
        let _ = write!(self.0, "L{} {}", x.round(), y.round());
    }
    fn quad_to(&mut self, x1: f32, y1: f32, x: f32, y: f32) {
        let _ = write!(
            self.0,
            "Q{} {} {} {}",
            x1.round(),
            y1.round(),
            x.round(),
            y.round()
        );
    }
    fn curve_to(&mut self, x1: f32, y1: f32, x2: f32, y2: f32, x: f32, y: f32) {
        let _ = write!(
            self.0,
            "C{} {} {} {} {} {}",
            x1.round(),
            y1.round(),
            x2.round(),
            y2.round(),
            x.round(),
            y.round()
        );
    }
    fn close(&mut self) {
        self.0.push('Z');
    }
}

/// `fill="…"` or `stroke="…"` for a plotters colour, with opacity when it is not opaque.
fn paint(attr: &str, color: &BackendColor) -> String {
    let (r, g, b) = color.rgb;
    let mut s = format!(r##"{attr}="#{r:02x}{g:02x}{b:02x}""##);
    if color.alpha < 1.0 {
        let _ = write!(s, r#" {attr}-opacity="{}""#, num(color.alpha));
    }
    s
}

/// A shape's paint: filled, or outlined with nothing inside.
fn look<S: BackendStyle>(style: &S, fill: bool) -> String {
    if fill {
        paint("fill", &style.color())
    } else {
        format!(r#"fill="none" {}"#, paint("stroke", &style.color()))
    }
}

/// A plotters backend that draws into an [`SvgDoc`].
pub struct Backend<'a> {
    doc: &'a mut SvgDoc,
}

impl<'a> Backend<'a> {
    pub fn new(doc: &'a mut SvgDoc) -> Backend<'a> {
        Backend { doc }
    }
}

/// Drawing into a string cannot fail.
#[derive(Debug)]
pub struct Never;

impl std::fmt::Display for Never {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("unreachable")
    }
}

impl std::error::Error for Never {}

type Result = std::result::Result<(), DrawingErrorKind<Never>>;

impl DrawingBackend for Backend<'_> {
    type ErrorType = Never;

    fn get_size(&self) -> (u32, u32) {
        self.doc.size()
    }

    fn ensure_prepared(&mut self) -> Result {
        Ok(())
    }

    fn present(&mut self) -> Result {
        Ok(())
    }

    fn draw_pixel(&mut self, (x, y): BackendCoord, color: BackendColor) -> Result {
        let _ = write!(
            self.doc.body,
            r#"<rect x="{x}" y="{y}" width="1" height="1" {}/>"#,
            paint("fill", &color)
        );
        Ok(())
    }

    fn draw_line<S: BackendStyle>(
        &mut self,
        from: BackendCoord,
        to: BackendCoord,
        style: &S,
    ) -> Result {
        let _ = write!(
            self.doc.body,
            r#"<line x1="{}" y1="{}" x2="{}" y2="{}" {} stroke-width="{}"/>"#,
            from.0,
            from.1,
            to.0,
            to.1,
            paint("stroke", &style.color()),
            style.stroke_width()
        );
        Ok(())
    }

    fn draw_rect<S: BackendStyle>(
        &mut self,
        ul: BackendCoord,
        br: BackendCoord,
        style: &S,
        fill: bool,
    ) -> Result {
        let (w, h) = (br.0 - ul.0, br.1 - ul.1);
        let look = look(style, fill);
        let _ = write!(
            self.doc.body,
            r#"<rect x="{}" y="{}" width="{w}" height="{h}" {look}/>"#,
            ul.0, ul.1
        );
        Ok(())
    }

    fn draw_path<S: BackendStyle, I: IntoIterator<Item = BackendCoord>>(
        &mut self,
        path: I,
        style: &S,
    ) -> Result {
        let points: Vec<String> = path.into_iter().map(|(x, y)| format!("{x},{y}")).collect();
        let _ = write!(
            self.doc.body,
            r#"<polyline points="{}" fill="none" {} stroke-width="{}" stroke-linejoin="round"/>"#,
            points.join(" "),
            paint("stroke", &style.color()),
            style.stroke_width()
        );
        Ok(())
    }

    fn draw_circle<S: BackendStyle>(
        &mut self,
        c: BackendCoord,
        radius: u32,
        style: &S,
        fill: bool,
    ) -> Result {
        let look = look(style, fill);
        let _ = write!(
            self.doc.body,
            r#"<circle cx="{}" cy="{}" r="{radius}" {look}/>"#,
            c.0, c.1
        );
        Ok(())
    }

    fn fill_polygon<S: BackendStyle, I: IntoIterator<Item = BackendCoord>>(
        &mut self,
        vert: I,
        style: &S,
    ) -> Result {
        let points: Vec<String> = vert.into_iter().map(|(x, y)| format!("{x},{y}")).collect();
        let _ = write!(
            self.doc.body,
            r#"<polygon points="{}" {}/>"#,
            points.join(" "),
            paint("fill", &style.color())
        );
        Ok(())
    }

    fn draw_text<T: BackendTextStyle>(
        &mut self,
        text: &str,
        style: &T,
        pos: BackendCoord,
    ) -> Result {
        let size = style.size();
        let face = face();
        let scale = size / f64::from(face.units_per_em());
        let anchor = match style.anchor().h_pos {
            HPos::Left => Anchor::Start,
            HPos::Center => Anchor::Middle,
            HPos::Right => Anchor::End,
        };
        let ascent = f64::from(face.ascender()) * scale;
        let descent = f64::from(face.descender()) * scale;
        let drop = match style.anchor().v_pos {
            VPos::Top => ascent,
            VPos::Center => (ascent + descent) / 2.0,
            VPos::Bottom => descent,
        };
        let degrees = match style.transform() {
            FontTransform::Rotate90 => 90,
            FontTransform::Rotate180 => 180,
            FontTransform::Rotate270 => -90,
            FontTransform::None => 0,
        };
        // The drop from the anchor to the baseline turns with the text.
        let (dx, dy) = match degrees {
            90 => (-drop, 0.0),
            -90 => (drop, 0.0),
            180 => (0.0, -drop),
            _ => (0.0, drop),
        };
        let (x, y) = (f64::from(pos.0) + dx, f64::from(pos.1) + dy);
        self.doc
            .rotated_text(text, x, y, size, anchor, "label", degrees);
        Ok(())
    }

    fn estimate_text_size<T: BackendTextStyle>(
        &self,
        text: &str,
        style: &T,
    ) -> std::result::Result<(u32, u32), DrawingErrorKind<Never>> {
        Ok((
            text_width(text, style.size()).ceil() as u32,
            style.size().ceil() as u32,
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_becomes_glyph_uses_defined_once() {
        let mut doc = SvgDoc::new(100, 20, "t");
        doc.text("aa b", 0.0, 10.0, 10.0, Anchor::Start, "label");
        let svg = doc.finish("A title & more", "<desc>");
        assert_eq!(svg.matches("<use ").count(), 3, "spaces draw nothing");
        assert_eq!(
            svg.matches("<path id=").count(),
            2,
            "one definition per glyph"
        );
        assert!(svg.contains("<title id=\"t-title\">A title &amp; more</title>"));
        assert!(svg.contains("<desc id=\"t-desc\">&lt;desc&gt;</desc>"));
    }

    #[test]
    fn widths_come_from_the_font_and_fit_cuts_on_words() {
        assert!(text_width("WWWW", 10.0) > text_width("iiii", 10.0));
        let fitted = fit("Connection pool sized for last year's traffic", 12.0, 120.0);
        assert!(fitted.ends_with('…'), "{fitted}");
        assert!(text_width(&fitted, 12.0) <= 120.0);
        assert_eq!(fit("short", 12.0, 120.0), "short");
    }

    #[test]
    fn numbers_are_stable() {
        assert_eq!(num(12.0), "12");
        assert_eq!(num(12.04), "12");
        assert_eq!(num(12.06), "12.1");
        assert_eq!(num(-0.5), "-0.5");
    }
}
