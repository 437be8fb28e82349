//! SVG that looks the same everywhere, on a machine without fonts too.
//!
//! Text is measured with DejaVu Sans, embedded in the binary, and written as real `<text>` in a
//! web font cut from that same font (`font/`, made by `scripts/diagram-font.sh`): Latin, Latin
//! Extended-A and common punctuation, with no kerning, so a browser lays it out with exactly
//! the widths measured here, and `textLength` pins each label's width even if the font is not
//! there. Text is selectable, searchable and read by screen readers. A standalone SVG file
//! carries the font inside it ([`standalone`]); an SVG inlined in a page gets it from the page's
//! stylesheet ([`font_face_css`]).
//!
//! Text with a character the web font lacks (Greek, Cyrillic, …) is drawn as glyph outlines
//! instead: each glyph is defined once in `<defs>` and placed with `<use>`.
//!
//! [`SvgDoc`] collects elements; [`Backend`] lets plotters draw into a document, with plotters'
//! text going through the same path.

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

/// The diagrams' web font (WOFF2), a subset of the embedded DejaVu Sans.
pub const FONT_WOFF2: &[u8] = include_bytes!("font/debrief-sans.woff2");

/// The family name diagrams ask for, with fallbacks for a page that lacks the rule.
const FONT_FAMILY: &str = "debrief-sans, 'DejaVu Sans', sans-serif";

/// The `@font-face` rule for the diagrams' font, with the font in a `data:` URL: it loads from
/// `file://` and inside an SVG shown as an image, where nothing outside the file can.
pub fn font_face_css() -> &'static str {
    static CSS: OnceLock<String> = OnceLock::new();
    CSS.get_or_init(|| {
        use base64::Engine as _;
        format!(
            "@font-face{{font-family:debrief-sans;src:url(data:font/woff2;base64,{}) format(\"woff2\");font-display:block}}\n",
            base64::engine::general_purpose::STANDARD.encode(FONT_WOFF2)
        )
    })
}

/// Whether the web font has `c` (`font/coverage.txt`, written with the font).
fn in_web_font(c: char) -> bool {
    static RANGES: OnceLock<Vec<(u32, u32)>> = OnceLock::new();
    let ranges = RANGES.get_or_init(|| {
        include_str!("font/coverage.txt")
            .lines()
            .filter_map(|line| {
                let (a, b) = line.split_once('-')?;
                Some((
                    u32::from_str_radix(a, 16).ok()?,
                    u32::from_str_radix(b, 16).ok()?,
                ))
            })
            .collect()
    });
    let c = c as u32;
    ranges.iter().any(|&(a, b)| (a..=b).contains(&c))
}

/// Whether `text` can be a `<text>` element that renders as measured: every character in the
/// web font, and no whitespace that SVG would collapse.
fn plain_text(text: &str) -> bool {
    !text.starts_with(' ')
        && !text.ends_with(' ')
        && !text.contains("  ")
        && text.chars().all(|c| {
            if c.is_ascii() {
                c >= ' ' && c != '\x7f'
            } else {
                in_web_font(c)
            }
        })
}

/// `svg` (from [`SvgDoc::finish`]) as a file of its own: when it has text, the font goes inside.
pub fn standalone(svg: &str) -> String {
    const END_DESC: &str = "</desc>";
    match svg.find(END_DESC) {
        // The title and desc are escaped, so the first `</desc>` is the document's own.
        Some(at) if svg.contains("<text ") => {
            let at = at + END_DESC.len();
            let css = font_face_css();
            let mut out = String::with_capacity(svg.len() + css.len() + 16);
            out.push_str(&svg[..at]);
            out.push_str("<style>");
            out.push_str(css);
            out.push_str("</style>");
            out.push_str(&svg[at..]);
            out
        }
        _ => svg.to_owned(),
    }
}

/// A number for SVG output: one decimal, no trailing `.0`, so output is stable and small.
pub fn num(v: f64) -> String {
    let mut out = String::with_capacity(8);
    push_num(&mut out, v);
    out
}

/// Escapes text for SVG/XML content and attribute values.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    escape_into(&mut out, text);
    out
}

/// Appends `text` to `out`, escaped for SVG/XML content and attribute values.
fn escape_into(out: &mut String, text: &str) {
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
    units_to_px(advance(text), size)
}

/// The advance width of `text` in font units. Widths add up exactly in these units, so a line
/// can be measured word by word.
pub fn advance(text: &str) -> u32 {
    text.chars().map(char_advance).sum()
}

/// The advance width of one character in font units.
pub fn char_advance(c: char) -> u32 {
    u32::from(glyph_and_advance(c).1)
}

/// Font units in pixels at `size` pixels.
pub fn units_to_px(units: u32, size: f64) -> f64 {
    f64::from(units) * size / f64::from(face().units_per_em())
}

/// Wraps `text` into lines at most `width` wide, at most `max_lines` of them; the last line
/// ends with `…` when text was left out.
pub fn wrap(text: &str, width: f64, size: f64, max_lines: usize) -> Vec<String> {
    // Measured in font units, which add up exactly: a line grows word by word without
    // measuring it again.
    let fits = |units: u32| units_to_px(units, size) <= width;
    let space = advance(" ");
    let mut lines: Vec<String> = Vec::new();
    let mut line = String::new();
    let mut line_units = 0;
    let mut cut = false;
    for word in text.split_whitespace() {
        let word_units = advance(word);
        let joined = if line.is_empty() {
            word_units
        } else {
            line_units + space + word_units
        };
        if fits(joined) {
            if !line.is_empty() {
                line.push(' ');
            }
            line.push_str(word);
            line_units = joined;
            continue;
        }
        if !line.is_empty() {
            lines.push(std::mem::take(&mut line));
        }
        // A word wider than the box is broken by characters.
        let mut rest = word;
        let mut rest_units = word_units;
        while !fits(rest_units) {
            let (mut head_len, mut head_units) = (0, 0);
            for c in rest.chars() {
                let units = char_advance(c);
                if !fits(head_units + units) {
                    break;
                }
                head_units += units;
                head_len += c.len_utf8();
            }
            if head_len == 0 {
                break;
            }
            lines.push(rest[..head_len].to_owned());
            rest = &rest[head_len..];
            rest_units -= head_units;
        }
        line = rest.to_owned();
        line_units = rest_units;
        if lines.len() >= max_lines {
            cut = true;
            break;
        }
    }
    if !line.is_empty() {
        lines.push(line);
    }
    if lines.len() > max_lines {
        lines.truncate(max_lines);
        cut = true;
    }
    if cut && let Some(last) = lines.last_mut() {
        let ellipsis = advance("…");
        let mut units = advance(last);
        while !fits(units + ellipsis) {
            match last.pop() {
                Some(c) => units -= char_advance(c),
                None => break,
            }
        }
        last.push('…');
    }
    lines
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

/// A piece of text placed in a document: its anchor point (`x`, `y`), the shift from the
/// anchor to where the text starts, and its measured width.
struct Label<'a> {
    text: &'a str,
    x: f64,
    y: f64,
    size: f64,
    shift: f64,
    width: f64,
    class: &'a str,
    degrees: i32,
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
        if text.is_empty() {
            return;
        }
        let width = text_width(text, size);
        let shift = match anchor {
            Anchor::Start => 0.0,
            Anchor::Middle => -width / 2.0,
            Anchor::End => -width,
        };
        let label = Label {
            text,
            x,
            y,
            size,
            shift,
            width,
            class,
            degrees,
        };
        if plain_text(text) {
            self.web_text(&label);
        } else {
            self.outlined_text(&label);
        }
    }

    /// A `<text>` element in the web font. Every label runs through here: plain pushes, no
    /// formatting machinery.
    fn web_text(&mut self, label: &Label<'_>) {
        let b = &mut self.body;
        b.push_str(r#"<text class=""#);
        b.push_str(label.class);
        if label.degrees == 0 {
            b.push_str(r#"" x=""#);
            push_num(b, label.x + label.shift);
            b.push_str(r#"" y=""#);
            push_num(b, label.y);
        } else {
            b.push_str(r#"" transform="translate("#);
            push_num(b, label.x);
            b.push(',');
            push_num(b, label.y);
            b.push_str(") rotate(");
            push_int(b, i64::from(label.degrees));
            b.push_str(r#")" x=""#);
            push_num(b, label.shift);
        }
        b.push_str(r#"" font-size=""#);
        push_num(b, label.size);
        b.push_str(r#"" textLength=""#);
        push_num(b, label.width);
        b.push_str(r#"">"#);
        escape_into(b, label.text);
        b.push_str("</text>");
    }

    /// Text as glyph outlines, for characters the web font lacks.
    fn outlined_text(&mut self, label: &Label<'_>) {
        let face = face();
        let scale = label.size / f64::from(face.units_per_em());
        let _ = if label.degrees == 0 {
            write!(
                self.body,
                r#"<g class="{}" transform="translate({},{}) scale({})">"#,
                label.class,
                num(label.x + label.shift),
                num(label.y),
                fmt_scale(scale)
            )
        } else {
            write!(
                self.body,
                r#"<g class="{}" transform="translate({},{}) rotate({}) translate({},0) scale({})">"#,
                label.class,
                num(label.x),
                num(label.y),
                label.degrees,
                num(label.shift),
                fmt_scale(scale)
            )
        };
        let mut cursor = 0i32;
        for c in label.text.chars() {
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
            r#"<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" viewBox="0 0 {w} {h}" width="{w}" height="{h}" role="img" aria-labelledby="{id}-title {id}-desc" class="diagram {id}" font-family="{FONT_FAMILY}">"#,
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
        if !self.glyphs.is_empty() {
            svg.push_str("<defs>");
        }
        for (gid, d) in &self.glyphs {
            svg.push_str(r#"<path id=""#);
            svg.push_str(&self.id);
            svg.push_str("-g");
            push_int(&mut svg, i64::from(*gid));
            svg.push_str(r#"" transform="scale(1,-1)" d=""#);
            svg.push_str(d);
            svg.push_str(r#""/>"#);
        }
        if !self.glyphs.is_empty() {
            svg.push_str("</defs>");
        }
        svg.push_str(&self.body);
        svg.push_str("</svg>\n");
        svg
    }
}

/// Appends [`num`]`(v)` to `out`. Integer arithmetic: float formatting is slow, and this runs
/// for every coordinate.
fn push_num(out: &mut String, v: f64) {
    let tenths = (v * 10.0).round() as i64;
    if tenths < 0 {
        out.push('-');
    }
    let abs = tenths.abs();
    push_int(out, abs / 10);
    if abs % 10 != 0 {
        out.push('.');
        push_int(out, abs % 10);
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
    fn text_in_the_web_font_is_real_text_with_its_measured_width() {
        let mut doc = SvgDoc::new(100, 20, "t");
        doc.text(
            "Pool <full> & \"naïve\" → 5 €",
            0.0,
            10.0,
            10.0,
            Anchor::Start,
            "label",
        );
        let svg = doc.finish("A title & more", "<desc>");
        let width = num(text_width("Pool <full> & \"naïve\" → 5 €", 10.0));
        assert!(
            svg.contains(&format!(
                r#"<text class="label" x="0" y="10" font-size="10" textLength="{width}">Pool &lt;full&gt; &amp; &quot;naïve&quot; → 5 €</text>"#
            )),
            "{svg}"
        );
        assert!(svg.contains(r#"font-family="debrief-sans, 'DejaVu Sans', sans-serif""#));
        assert!(!svg.contains("<defs>"), "no outlines needed: {svg}");
        assert!(svg.contains("<title id=\"t-title\">A title &amp; more</title>"));
        assert!(svg.contains("<desc id=\"t-desc\">&lt;desc&gt;</desc>"));
    }

    #[test]
    fn text_the_web_font_cannot_show_as_measured_becomes_outlines() {
        // Greek is not in the web font; doubled and edge spaces would collapse in <text>.
        for text in ["Ωμέγα ωω", "two  spaces", " leading", "tab\there"] {
            let mut doc = SvgDoc::new(100, 20, "t");
            doc.text(text, 0.0, 10.0, 10.0, Anchor::Start, "label");
            let svg = doc.finish("t", "d");
            assert!(!svg.contains("<text"), "{text}: {svg}");
            assert!(svg.contains("<use "), "{text}: {svg}");
            let uses = svg.matches("<use ").count();
            let defined = svg.matches("<path id=").count();
            assert!(defined <= uses, "each glyph defined once: {svg}");
        }
        let mut doc = SvgDoc::new(100, 20, "t");
        doc.text("ωω ω", 0.0, 10.0, 10.0, Anchor::Start, "label");
        let svg = doc.finish("t", "d");
        assert_eq!(svg.matches("<use ").count(), 3, "spaces draw nothing");
        assert_eq!(
            svg.matches("<path id=").count(),
            1,
            "one definition per glyph"
        );
    }

    #[test]
    fn a_standalone_file_carries_the_font_only_when_it_has_text() {
        let mut doc = SvgDoc::new(100, 20, "t");
        doc.text("Hello", 0.0, 10.0, 10.0, Anchor::Start, "label");
        let svg = standalone(&doc.finish("</desc> in a title", "d"));
        let style = svg
            .find(
                "<style>@font-face{font-family:debrief-sans;src:url(data:font/woff2;base64,d09GMg",
            )
            .expect("the font is embedded");
        assert!(
            svg.find("</desc>").unwrap() < style,
            "after the title and desc: {svg}"
        );
        assert!(style < svg.find("<text ").unwrap());

        let mut doc = SvgDoc::new(100, 20, "t");
        doc.raw(r#"<rect width="1" height="1"/>"#);
        let svg = doc.finish("t", "d");
        assert_eq!(standalone(&svg), svg, "no text, no font");
    }

    #[test]
    fn the_web_font_covers_only_what_dejavu_sans_has() {
        assert_eq!(&FONT_WOFF2[..4], b"wOF2");
        let face = face();
        let mut covered = 0;
        for c in (0x20u32..0x3000).filter_map(char::from_u32) {
            if in_web_font(c) {
                covered += 1;
                assert!(face.glyph_index(c).is_some(), "U+{:04X}", c as u32);
            }
        }
        assert!(covered > 300, "{covered}");
        for c in ['a', 'é', 'ł', '…', '→', '✓', '○', '◐', '✗'] {
            assert!(in_web_font(c), "{c}");
        }
        assert!(!in_web_font('Ω'));
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
