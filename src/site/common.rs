//! What every page shares: the site's title, the theme's assets under content-hashed names,
//! and the way a page is rendered and written.

use serde::Serialize;

use super::output::Output;
use crate::render::{Theme, content_hash, svg};

#[derive(Serialize)]
pub(super) struct SiteInfo {
    pub title: String,
    pub base_url: Option<String>,
}

#[derive(Serialize)]
struct Assets {
    css: String,
    /// The search page's script.
    search_js: String,
}

/// Everything a page needs besides its own data.
pub(super) struct Common {
    pub site: SiteInfo,
    css: String,
    search_js: String,
}

impl Common {
    /// Writes the theme's assets and keeps their names for the pages to link to.
    pub fn new(site: SiteInfo, theme: &Theme, dir: &dyn Output) -> anyhow::Result<Common> {
        // Assets with content-hashed names, so browsers never see a stale stylesheet.
        let mut css = String::new();
        let mut search_js = String::new();
        for (name, bytes) in &theme.statics {
            // Every theme's stylesheet gets the diagrams' font, so the SVG inlined in pages shows
            // its text as measured.
            let with_font;
            let bytes = if name == "style.css" {
                with_font = [bytes.as_slice(), svg::font_face_css().as_bytes()].concat();
                &with_font
            } else {
                bytes
            };
            let hashed = match name.rsplit_once('.') {
                Some((stem, ext)) => format!("assets/{stem}.{}.{ext}", content_hash(bytes)),
                None => format!("assets/{name}.{}", content_hash(bytes)),
            };
            if name == "style.css" {
                css = hashed.clone();
            }
            if name == "search.js" {
                search_js = hashed.clone();
            }
            dir.put(&hashed, bytes)?;
        }
        Ok(Common {
            site,
            css,
            search_js,
        })
    }

    pub fn context(&self, page: &str, root: &str) -> anyhow::Result<tera::Context> {
        let mut ctx = tera::Context::new();
        ctx.insert("site", &self.site);
        ctx.insert("root", root);
        ctx.insert(
            "assets",
            &Assets {
                css: self.css.clone(),
                search_js: self.search_js.clone(),
            },
        );
        ctx.insert("page", page);
        Ok(ctx)
    }
}

/// What writes a page: the theme, what every page shares, and where the files go.
#[derive(Clone, Copy)]
pub(super) struct Writer<'a> {
    pub theme: &'a Theme,
    pub common: &'a Common,
    pub dir: &'a dyn Output,
}

impl Writer<'_> {
    /// Renders `template` with `ctx` into the file `rel`.
    pub fn page(&self, rel: &str, template: &str, ctx: &tera::Context) -> anyhow::Result<()> {
        let text = render(self.theme, template, ctx)?;
        self.file(rel, text.as_bytes())
    }

    /// Writes the file `rel`, a path in the site (`incidents/x/index.html`).
    pub fn file(&self, rel: &str, bytes: &[u8]) -> anyhow::Result<()> {
        self.dir.put(rel, bytes)
    }
}

fn render(theme: &Theme, template: &str, ctx: &tera::Context) -> anyhow::Result<String> {
    theme
        .tera
        .render(template, ctx)
        .map_err(|e| anyhow::anyhow!(crate::render::tera_error(&e)))
}
