//! The meeting in a real browser: headless Chromium driven through chromedriver (WebDriver), one
//! facilitator window and three participant windows against `debrief serve` on a copy of
//! `sample-incident/`.
//!
//! Opt-in, because it needs more than Rust:
//!
//! ```sh
//! apt-get install chromium chromium-driver            # or any Chromium with its chromedriver
//! npm install --prefix target/ci-tools axe-core@4     # for the accessibility checks
//! DEBRIEF_AXE_JS=target/ci-tools/node_modules/axe-core/axe.min.js \
//!     cargo test --features browser --test browser
//! ```
//!
//! `bash .ci/run` installs all of it and runs the suite. Screenshots go to
//! `target/screenshots/`.

mod common;

/// Without the feature, the suite shows as ignored, with the reason, in every test summary.
#[cfg(not(feature = "browser"))]
#[test]
#[ignore = "SKIPPED: the browser suite needs chromium and chromedriver; run it with `cargo test --features browser --test browser` (`bash .ci/run` installs them and does)"]
fn the_browser_suite() {}

#[cfg(feature = "browser")]
mod browser {
    use std::path::{Path, PathBuf};
    use std::process::{Child, Command, Stdio};
    use std::time::{Duration, Instant};

    use fantoccini::{Client, ClientBuilder, Locator};
    use serde_json::{Value, json};

    use super::common::{self, CODE, KEY, Server, copy_sample};

    /// chromedriver on a free port, stopped when dropped.
    struct Driver {
        child: Child,
        url: String,
    }

    impl Drop for Driver {
        fn drop(&mut self) {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }

    fn driver() -> Driver {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let child = Command::new("chromedriver")
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("chromedriver is installed (apt-get install chromium-driver)");
        let url = format!("http://127.0.0.1:{port}");
        let deadline = Instant::now() + Duration::from_secs(20);
        // chromedriver keeps connections open, so read by Content-Length.
        let ready = || {
            debrief::serve::probe::Connection::open(&format!("127.0.0.1:{port}"))
                .and_then(|mut c| c.send("GET", "/status", &[], None))
                .is_ok_and(|r| r.body.contains("\"ready\":true"))
        };
        while !ready() {
            assert!(Instant::now() < deadline, "chromedriver did not start");
            std::thread::sleep(Duration::from_millis(50));
        }
        Driver { child, url }
    }

    /// A headless Chromium window whose page is `width` × `height` CSS pixels, logging the
    /// console. Narrow ones are phones (device emulation: a desktop window has a minimum width).
    async fn window(driver: &Driver, width: u32, height: u32) -> Client {
        let mut options = json!({
            "args": [
                "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--hide-scrollbars", format!("--window-size={width},{height}"),
            ],
        });
        if width < 600 {
            options["mobileEmulation"] = json!({
                "deviceMetrics": { "width": width, "height": height, "pixelRatio": 1.0, "touch": true },
            });
        }
        if Path::new("/usr/bin/chromium").exists() {
            options["binary"] = json!("/usr/bin/chromium");
        }
        let capabilities = json!({
            "goog:chromeOptions": options,
            "goog:loggingPrefs": { "browser": "ALL" },
        });
        let connector = hyper_util::client::legacy::connect::HttpConnector::new();
        let client = ClientBuilder::new(connector)
            .capabilities(capabilities.as_object().unwrap().clone())
            .connect(&driver.url)
            .await
            .expect("a Chromium session");
        if width >= 600 {
            // The window's size includes what is around the page; make the page itself the size.
            let around = js(&client, "return [window.outerWidth - window.innerWidth, window.outerHeight - window.innerHeight];").await;
            let dw = around[0].as_u64().unwrap_or(0) as u32;
            let dh = around[1].as_u64().unwrap_or(0) as u32;
            client
                .set_window_size(width + dw, height + dh)
                .await
                .unwrap();
        }
        client
    }

    /// Waits for `check` to hold, polling, for up to 15 s.
    async fn until<F, Fut>(what: &str, mut check: F)
    where
        F: FnMut() -> Fut,
        Fut: std::future::Future<Output = bool>,
    {
        let deadline = Instant::now() + Duration::from_secs(15);
        while !check().await {
            assert!(Instant::now() < deadline, "timed out waiting: {what}");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    async fn js(client: &Client, script: &str) -> Value {
        client.execute(script, vec![]).await.unwrap_or(Value::Null)
    }

    async fn text(client: &Client, selector: &str) -> String {
        client
            .execute(
                "var e = document.querySelector(arguments[0]); return e ? e.textContent : '';",
                vec![json!(selector)],
            )
            .await
            .ok()
            .and_then(|v| v.as_str().map(str::to_owned))
            .unwrap_or_default()
    }

    async fn visible(client: &Client, selector: &str) -> bool {
        client
            .execute(
                "var e = document.querySelector(arguments[0]); return !!e && e.checkVisibility({ visibilityProperty: true });",
                vec![json!(selector)],
            )
            .await
            .ok()
            .and_then(|v| v.as_bool())
            .unwrap_or(false)
    }

    /// Clicks an element. The pages redraw their lists on every state, so an element found a
    /// moment ago may be gone: find it again then.
    async fn click(client: &Client, selector: &str) {
        let deadline = Instant::now() + Duration::from_secs(15);
        loop {
            let clicked = match client.find(Locator::Css(selector)).await {
                Ok(element) => element.click().await.map_err(|e| e.to_string()),
                Err(e) => Err(e.to_string()),
            };
            match clicked {
                Ok(()) => return,
                Err(e) if Instant::now() > deadline => panic!("clicking {selector}: {e}"),
                Err(_) => tokio::time::sleep(Duration::from_millis(50)).await,
            }
        }
    }

    async fn type_into(client: &Client, selector: &str, value: &str) {
        let field = client.find(Locator::Css(selector)).await.unwrap();
        field.clear().await.unwrap();
        field.send_keys(value).await.unwrap();
    }

    /// Sets a field that has no keyboard-neutral way in (date and time pickers).
    async fn set_value(client: &Client, selector: &str, value: &str) {
        client
            .execute(
                "document.querySelector(arguments[0]).value = arguments[1];",
                vec![json!(selector), json!(value)],
            )
            .await
            .unwrap();
    }

    /// Scrolls `selector` to the middle of the window, as a person would before clicking it
    /// (a control at the bottom edge sits under the facilitator's fixed footer), and clicks.
    async fn scroll_and_click(client: &Client, selector: &str) {
        client
            .execute(
                "document.querySelector(arguments[0]).scrollIntoView({block: 'center'});",
                vec![json!(selector)],
            )
            .await
            .unwrap();
        click(client, selector).await;
    }

    /// Presses a key on the page (the facilitator's shortcuts).
    async fn press(client: &Client, key: &str) {
        client
            .execute(
                "document.body.dispatchEvent(new KeyboardEvent('keydown', {key: arguments[0], bubbles: true}));",
                vec![json!(key)],
            )
            .await
            .unwrap();
    }

    /// No alert, confirm or prompt is open.
    async fn no_dialog(client: &Client) {
        if let Ok(text) = client.get_alert_text().await {
            panic!("a dialog opened: {text}");
        }
    }

    /// A command of Chromium's driver beyond WebDriver: `POST session/{id}/{path}` with `body`.
    #[derive(Debug)]
    struct Extension {
        path: &'static str,
        body: String,
    }

    impl fantoccini::wd::WebDriverCompatibleCommand for Extension {
        fn endpoint(
            &self,
            base: &url::Url,
            session: Option<&str>,
        ) -> Result<url::Url, url::ParseError> {
            base.join(&format!(
                "session/{}/{}",
                session.unwrap_or_default(),
                self.path
            ))
        }
        fn method_and_body(&self, _: &url::Url) -> (http::Method, Option<String>) {
            (http::Method::POST, Some(self.body.clone()))
        }
    }

    /// The browser's console: (level, message).
    async fn console(client: &Client) -> Vec<(String, String)> {
        let logs = client
            .issue_cmd(Extension {
                path: "se/log",
                body: r#"{"type":"browser"}"#.into(),
            })
            .await
            .unwrap_or(Value::Null);
        logs.as_array()
            .into_iter()
            .flatten()
            .map(|e| {
                (
                    e["level"].as_str().unwrap_or("").to_owned(),
                    e["message"].as_str().unwrap_or("").to_owned(),
                )
            })
            .collect()
    }

    /// The diagrams' text on the current page is in the diagrams' web font, loaded, and the
    /// browser lays each label out at the width debrief measured (its `textLength`), within 1%.
    async fn diagram_text_as_measured(client: &Client, what: &str) {
        let found = js(
            client,
            "return document.fonts.ready.then(function () {
               var faces = [];
               document.fonts.forEach(function (f) { if (f.family.replace(/[\"']/g, '') === 'debrief-sans') faces.push(f.status); });
               var canvas = document.createElementNS('http://www.w3.org/1999/xhtml', 'canvas').getContext('2d');
               var texts = document.querySelectorAll('svg text'), worst = 0, sample = '';
               texts.forEach(function (t) {
                 canvas.font = t.getAttribute('font-size') + 'px debrief-sans';
                 var want = parseFloat(t.getAttribute('textLength'));
                 var off = Math.abs(canvas.measureText(t.textContent).width - want) / want;
                 if (off > worst) { worst = off; sample = t.textContent; }
               });
               return { faces: faces, texts: texts.length, worst: worst, sample: sample };
             });",
        )
        .await;
        assert!(
            found["texts"].as_u64().unwrap_or(0) > 0,
            "{what}: no <text> in the diagrams: {found}"
        );
        assert_eq!(
            found["faces"],
            json!(["loaded"]),
            "{what}: the diagrams' font: {found}"
        );
        assert!(
            found["worst"].as_f64().unwrap_or(1.0) < 0.01,
            "{what}: a label's width differs from the measured one: {found}"
        );
    }

    async fn screenshot(client: &Client, name: &str) {
        let png = client.screenshot().await.unwrap();
        let dir = common::root().join("target/screenshots");
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join(name), png).unwrap();
    }

    /// axe-core's serious and critical violations on the page, when `DEBRIEF_AXE_JS` names
    /// `axe.min.js`.
    async fn accessibility(client: &Client, page: &str) {
        let Some(axe) = std::env::var_os("DEBRIEF_AXE_JS") else {
            eprintln!(
                "SKIPPED: accessibility of {page}: set DEBRIEF_AXE_JS to axe-core's axe.min.js"
            );
            return;
        };
        let source = std::fs::read_to_string(&axe).expect("DEBRIEF_AXE_JS is readable");
        client
            .execute(&source, vec![])
            .await
            .expect("axe-core loads");
        let result = client
            .execute_async(
                "var done = arguments[arguments.length - 1];
                 axe.run(document, { resultTypes: ['violations'] })
                   .then(function (r) { done(r.violations.map(function (v) {
                     return { id: v.id, impact: v.impact, help: v.help,
                              nodes: v.nodes.map(function (n) { return n.target.join(' '); }).slice(0, 5) }; })); })
                   .catch(function (e) { done([{ id: 'axe-error', impact: 'critical', help: String(e), nodes: [] }]); });",
                vec![],
            )
            .await
            .expect("axe-core runs");
        let violations = result
            .as_array()
            .unwrap_or_else(|| panic!("{page}: axe-core gave no list of violations: {result}"));
        eprintln!(
            "{page}: axe-core found {} violations, none of them serious or critical is allowed",
            violations.len()
        );
        let bad: Vec<&Value> = violations
            .iter()
            .filter(|v| matches!(v["impact"].as_str(), Some("serious" | "critical")))
            .collect();
        assert!(
            bad.is_empty(),
            "{page}: serious or critical accessibility violations: {}",
            serde_json::to_string_pretty(&bad).unwrap()
        );
    }

    fn incident(dir: &Path) -> debrief::model::Incident {
        toml::from_str(&std::fs::read_to_string(dir.join("incident.toml")).unwrap()).unwrap()
    }

    fn sample() -> (tempfile::TempDir, PathBuf) {
        let tmp = common::scratch();
        let dir = tmp.path().join("2026-11-03-checkout");
        std::fs::create_dir(&dir).unwrap();
        copy_sample(&dir);
        (tmp, dir)
    }

    async fn join(client: &Client, base: &str, name: Option<&str>) {
        client.goto(&format!("{base}/join/{CODE}")).await.unwrap();
        until("the join form", || visible(client, "#join-form")).await;
        match name {
            Some(name) => type_into(client, "#join-name", name).await,
            None => click(client, "#join-anonymous").await,
        }
        click(client, "#join-form button[type=submit]").await;
        until("joined", || visible(client, "#joined")).await;
    }

    async fn observe(client: &Client, at: &str, what: &str) {
        until("the observation form", || visible(client, "#entry-form")).await;
        set_value(client, "#entry-at", at).await;
        type_into(client, "#entry-text", what).await;
        click(client, "#entry-form button[type=submit]").await;
    }

    async fn phase(facilitator: &Client, participants: &[&Client], name: &str) {
        until(
            &format!("the {name} phase on the facilitator screen"),
            || async { text(facilitator, ".stepper li.current").await == super::phase_title(name) },
        )
        .await;
        for p in participants {
            until(&format!("the {name} phase on a phone"), || async {
                text(p, "#phase-name").await == super::phase_title(name)
            })
            .await;
        }
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_facilitator_and_three_participants_run_the_meeting() {
        let (tmp, dir) = sample();
        let server = Server::start(&dir, &[]);
        let base = format!("http://{}", server.addr);
        let driver = driver();
        let facilitator = window(&driver, 1920, 1080).await;
        let alex = window(&driver, 390, 844).await;
        let bo = window(&driver, 390, 844).await;
        let anon = window(&driver, 390, 844).await;
        let everyone = [&facilitator, &alex, &bo, &anon];
        let phones = [&alex, &bo, &anon];

        facilitator
            .goto(&format!("{base}/?key={KEY}"))
            .await
            .unwrap();
        let title = "Checkout API returned 500s for 38 minutes";
        until("the facilitator screen shows the incident", || async {
            text(&facilitator, "#title").await == title
        })
        .await;
        assert!(
            !facilitator
                .current_url()
                .await
                .unwrap()
                .as_str()
                .contains(KEY),
            "the key leaves the address bar"
        );
        // A mark that a reload would wipe.
        js(&facilitator, "window.__noReload = true;").await;

        join(&alex, &base, Some("Alex")).await;
        join(&bo, &base, Some("Bo")).await;
        join(&anon, &base, None).await;
        until("3 people joined", || async {
            text(&facilitator, "#people-count").await == "3 people joined"
        })
        .await;

        // Observations with times appear on the facilitator's screen without a reload.
        observe(
            &alex,
            "2026-11-03T14:03:30",
            "Grafana showed pool waiters climbing",
        )
        .await;
        observe(
            &anon,
            "2026-11-03T14:07:00",
            "Support tickets about failed payments",
        )
        .await;
        until("both observations on the facilitator screen", || async {
            let rows = text(&facilitator, "#timeline-rows").await;
            rows.contains("Grafana showed pool waiters climbing")
                && rows.contains("Support tickets about failed payments")
        })
        .await;
        let rows = text(&facilitator, "#timeline-rows").await;
        assert!(rows.contains("14:03:30") && rows.contains("Alex"), "{rows}");
        assert!(rows.contains("anonymous"), "{rows}");
        assert_eq!(
            js(&facilitator, "return window.__noReload === true;").await,
            json!(true)
        );
        until("the diagram is on the facilitator screen", || {
            visible(&facilitator, "#timeline-svg svg text.key-label")
        })
        .await;
        screenshot(&facilitator, "facilitator.png").await;
        screenshot(&alex, "participant.png").await;

        // Factors: someone proposes one.
        press(&facilitator, "ArrowRight").await;
        phase(&facilitator, &phones, "factors").await;
        until("the factor form", || visible(&bo, "#factor-form")).await;
        type_into(
            &bo,
            "#factor-text",
            "Pool size was never revisited after the fraud check",
        )
        .await;
        click(&bo, "#factor-form button[type=submit]").await;
        until("the factor card", || async {
            text(&facilitator, "#factor-groups")
                .await
                .contains("never revisited")
        })
        .await;

        // The factors use the screen's width: a category's cards stand side by side, nothing
        // runs past the right edge, and each card's words lead over its small tools.
        let layout = js(
            &facilitator,
            "var groups = Array.from(document.querySelectorAll('#factor-groups .group'));
             var widest = 0, columns = 0, tools = 0, words = 0, text = 0;
             groups.forEach(function (g) {
               var lefts = {};
               g.querySelectorAll('.card').forEach(function (c) {
                 var r = c.getBoundingClientRect();
                 lefts[Math.round(r.left)] = true;
                 widest = Math.max(widest, r.right);
                 tools = Math.max(tools, c.querySelector('.card-tools').getBoundingClientRect().height);
                 text = Math.max(text, parseFloat(getComputedStyle(c.querySelector('p')).fontSize));
                 words = Math.max(words, parseFloat(getComputedStyle(c.querySelector('.card-tools button')).fontSize));
               });
               if (g.querySelectorAll('.card').length > 1) columns = Math.max(columns, Object.keys(lefts).length);
             });
             return [widest, window.innerWidth, columns, tools, text, words];",
        )
        .await;
        let m: Vec<f64> = serde_json::from_value(layout).unwrap();
        assert!(m[0] <= m[1], "a card runs off the screen: {m:?}");
        assert!(m[2] >= 2.0, "a category's cards stand in one column: {m:?}");
        assert!(m[3] <= 40.0, "the tools take {} px", m[3]);
        assert!(
            m[4] > m[5],
            "the tools' text is as large as the factor's: {m:?}"
        );
        screenshot(&facilitator, "factors.png").await;

        // The facilitator fixes the wording on the shared screen; the phones follow.
        let id = js(&bo, "var o = Array.from(document.querySelectorAll('#link-from option')).find(function (o) { return o.textContent.indexOf('never revisited') >= 0; }); return o ? o.value : '';").await;
        let card = format!(
            "#factor-groups li[data-id='{}']",
            id.as_str().unwrap_or_default()
        );
        let edit = format!("{card} .card-tools button");
        let field = format!("{card} textarea");
        until("the card with its tools", || visible(&facilitator, &edit)).await;
        click(&facilitator, &edit).await;
        until("the edit field", || visible(&facilitator, &field)).await;
        type_into(
            &facilitator,
            &field,
            "Pool size was never revisited after the fraud check shipped",
        )
        .await;
        click(&facilitator, &format!("{card} form button[type=submit]")).await;
        until("the new wording on a phone", || async {
            text(&bo, "#link-from")
                .await
                .contains("after the fraud check shipped")
        })
        .await;

        // A participant links the factor to the event that showed it, from the phone; the
        // facilitator's flow diagram has the edge.
        until("the link panel", || visible(&bo, "#link-panel")).await;
        let factor_id = js(&bo, "var o = Array.from(document.querySelectorAll('#link-from option')).find(function (o) { return o.textContent.indexOf('never revisited') >= 0; }); return o ? o.value : null;").await;
        let factor_id = factor_id
            .as_str()
            .expect("the new factor is in the list")
            .to_owned();
        bo.execute(
            "var s = document.getElementById('link-from'); s.value = arguments[0]; s.dispatchEvent(new Event('change'));",
            vec![json!(factor_id)],
        )
        .await
        .unwrap();
        until("the events to link to", || async {
            js(&bo, "return Array.from(document.querySelectorAll('#link-to option')).some(function (o) { return o.value === 't-first-timeouts'; });").await == json!(true)
        })
        .await;
        set_value(&bo, "#link-to", "t-first-timeouts").await;
        click(&bo, "#link-add").await;
        press(&facilitator, "f").await;
        let edge = format!("#flow-svg path[data-from='t-first-timeouts'][data-to='{factor_id}']");
        until("the link on the facilitator's flow diagram", || {
            visible(&facilitator, &edge)
        })
        .await;
        screenshot(&facilitator, "flow.png").await;
        diagram_text_as_measured(&facilitator, "the facilitator's flow diagram").await;
        click(&bo, "#flow-details summary").await;
        until("the link on the phone's flow diagram", || {
            visible(&bo, &edge)
        })
        .await;
        press(&facilitator, "f").await;

        // Vote: two vote, the facilitator sees who has not, then the third votes.
        press(&facilitator, "ArrowRight").await;
        phase(&facilitator, &phones, "vote").await;
        let plus = "#vote-factors li:last-child button[aria-label^='Vote for']";
        for phone in [&alex, &bo] {
            until("the new factor on the phone", || async {
                text(phone, "#vote-factors")
                    .await
                    .contains("never revisited")
            })
            .await;
            click(phone, plus).await;
            until("the vote counted", || async {
                text(phone, "#votes-left").await == "2 votes left"
            })
            .await;
        }
        until("1 person hasn't voted", || async {
            text(&facilitator, "#not-voted").await == "1 person hasn't voted"
        })
        .await;
        assert!(visible(&facilitator, "#not-voted").await);
        assert!(
            text(&facilitator, "#vote-list")
                .await
                .contains("votes hidden")
        );
        until("the new factor on the anonymous phone", || async {
            text(&anon, "#vote-factors")
                .await
                .contains("never revisited")
        })
        .await;
        click(&anon, plus).await;
        until("everyone voted", || async {
            text(&facilitator, "#vote-progress").await == "3 of 3 have voted"
        })
        .await;
        // Nobody left to wait for: said plainly, not in the amber of a warning.
        until("everyone has voted, plainly", || async {
            text(&facilitator, "#not-voted").await == "Everyone has voted"
        })
        .await;
        let (said, plain) = (
            js(
                &facilitator,
                "return getComputedStyle(document.getElementById('not-voted')).color",
            )
            .await,
            js(
                &facilitator,
                "return getComputedStyle(document.getElementById('people-count')).color",
            )
            .await,
        );
        assert_eq!(said, plain, "the same colour as the text around it");
        press(&facilitator, "r").await;
        until("the counts on the facilitator screen", || async {
            let list = text(&facilitator, "#vote-list").await;
            list.contains("3 votes") && !list.contains("votes hidden")
        })
        .await;
        for phone in phones {
            until("the counts on a phone", || async {
                text(phone, "#vote-factors").await.contains("3 in total")
            })
            .await;
        }

        // Actions: one is created, another person claims it.
        press(&facilitator, "ArrowRight").await;
        phase(&facilitator, &phones, "actions").await;
        until("the action form", || visible(&alex, "#action-form")).await;
        type_into(
            &alex,
            "#action-text",
            "Alert on pool waiters above zero for 2 minutes",
        )
        .await;
        type_into(&alex, "#action-owner", "").await;
        click(&alex, "#action-form button[type=submit]").await;
        until("the action on Bo's phone", || async {
            text(&bo, "#action-list")
                .await
                .contains("Alert on pool waiters")
        })
        .await;
        click(&bo, "#action-list li:last-child button").await;
        until("the owner on the facilitator screen", || async {
            let rows = text(&facilitator, "#action-rows").await;
            rows.contains("Alert on pool waiters") && rows.contains("Bo")
        })
        .await;

        // A timer that every window counts down.
        press(&facilitator, "t").await;
        until("the timer form", || visible(&facilitator, "#timer-minutes")).await;
        type_into(&facilitator, "#timer-minutes", "2").await;
        click(&facilitator, ".timer-form button[type=submit]").await;
        for window in everyone {
            until("a countdown", || async {
                let t = text(window, "#timer").await;
                visible(window, "#timer").await && (t.starts_with("1:5") || t == "2:00")
            })
            .await;
        }
        let first = text(&alex, "#timer").await;
        until("the countdown moves", || async {
            text(&alex, "#timer").await != first
        })
        .await;

        // Lessons: a phone adds one, and it shows in its column on the shared screen.
        press(&facilitator, "ArrowRight").await;
        phase(&facilitator, &phones, "lessons").await;
        until("the lesson form", || visible(&bo, "#lesson-form")).await;
        set_value(&bo, "#lesson-kind", "lucky").await;
        type_into(&bo, "#lesson-text", "Traffic was low on a Tuesday").await;
        click(&bo, "#lesson-form button[type=submit]").await;
        until("the lesson on the shared screen", || async {
            text(&facilitator, "#lessons-lucky")
                .await
                .contains("Traffic was low on a Tuesday")
        })
        .await;
        // The facilitator rewords it inline on the shared screen.
        let edit =
            "#lessons-lucky li:last-child button[aria-label='Edit the wording of this lesson']";
        until("the lesson's Edit button", || visible(&facilitator, edit)).await;
        click(&facilitator, edit).await;
        until("the lesson's edit form", || {
            visible(&facilitator, "#lessons-lucky form.edit textarea")
        })
        .await;
        type_into(
            &facilitator,
            "#lessons-lucky form.edit textarea",
            "Traffic was low: a Tuesday afternoon",
        )
        .await;
        click(&facilitator, "#lessons-lucky form.edit button[type=submit]").await;
        until("the reworded lesson on the shared screen", || async {
            text(&facilitator, "#lessons-lucky")
                .await
                .contains("Traffic was low: a Tuesday afternoon")
        })
        .await;
        accessibility(&facilitator, "the lessons phase").await;
        screenshot(&facilitator, "lessons.png").await;

        // The wrap-up, then everything is on disk.
        press(&facilitator, "ArrowRight").await;
        phase(&facilitator, &phones, "wrap-up").await;
        until("the file has everything", || async {
            let i = incident(&dir);
            let factor = i
                .factors
                .iter()
                .find(|f| f.text.contains("never revisited"));
            i.timeline.iter().any(|e| {
                e.text == "Grafana showed pool waiters climbing" && e.by.as_deref() == Some("Alex")
            }) && i
                .timeline
                .iter()
                .any(|e| e.text == "Support tickets about failed payments" && e.by.is_none())
                && factor.is_some_and(|f| f.total_votes() == 3)
                && i.actions.iter().any(|a| {
                    a.text.starts_with("Alert on pool waiters") && a.owner.as_deref() == Some("Bo")
                })
                && i.lessons
                    .lucky
                    .iter()
                    .any(|l| l == "Traffic was low: a Tuesday afternoon")
        })
        .await;
        for window in everyone {
            no_dialog(window).await;
        }
        accessibility(&facilitator, "the facilitator screen").await;
        accessibility(&alex, "the participant page").await;

        // The facilitator removes the anonymous participant: two clicks in the people list.
        // Their phone says so; the room counts three no more; what they added stays.
        click(&facilitator, "#people summary").await;
        let remove = "#people-list button[aria-label='Remove Anonymous participant']";
        until("the people list", || visible(&facilitator, remove)).await;
        click(&facilitator, remove).await;
        let confirm = "#people-list button[aria-label='Confirm: remove Anonymous participant']";
        until("the removal asks first", || visible(&facilitator, confirm)).await;
        assert_eq!(text(&facilitator, "#people-count").await, "3 people joined");
        click(&facilitator, confirm).await;
        until("the anonymous phone is told", || async {
            text(&anon, "#title").await == "You have left the review"
                && !visible(&anon, "#joined").await
        })
        .await;
        until("the room counts two", || async {
            text(&facilitator, "#people-count").await == "2 people joined"
        })
        .await;
        assert!(
            incident(&dir)
                .timeline
                .iter()
                .any(|e| e.text == "Support tickets about failed payments"),
            "what they added stays"
        );
        // A new join link, so they cannot come back with the old one.
        let old_link = text(&facilitator, "#qr-url").await;
        click(&facilitator, "#people-list li.new-link button").await;
        until("the shared screen shows a new join link", || async {
            let now = text(&facilitator, "#qr-url").await;
            now.contains("/join/") && now != old_link
        })
        .await;
        for window in [facilitator, alex, bo, anon] {
            let _ = window.close().await;
        }
        drop(tmp);
    }

    /// A meeting of an incident in an archive opens with Follow-ups: the facilitator updates
    /// a carried action inline, a phone shows the list read-only, and the change lands in the
    /// other incident's file.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn the_follow_ups_phase_updates_another_incident() {
        let tmp = common::scratch();
        let archive = tmp.path().join("archive");
        let dir = common::sample_and_one_more(
            &archive,
            "2026-11-03-checkout",
            "2026-10-01-related",
            "title = \"Checkout slow in October\"\nservices = [\"checkout-api\"]\n\n[times]\nstarted = 2026-10-01T10:00:00Z\n\n# Keep me.\n[[actions]]\nid = \"a-1\"\ntext = \"Cap the retry storm\"\nowner = \"lee\"\ndue = 2026-10-20\n",
        );
        let other = archive.join("2026-10-01-related");
        // A third incident that shares only a tag with this one.
        let tagged = archive.join("2026-09-01-tagged");
        std::fs::create_dir_all(&tagged).unwrap();
        std::fs::write(
            tagged.join("incident.toml"),
            "title = \"Replica lag\"\ntags = [\"database\"]\n\n[times]\nstarted = 2026-09-01T10:00:00Z\n\n[[actions]]\nid = \"a-9\"\ntext = \"Alert on replica lag\"\npriority = \"P2\"\nticket = \"https://tracker.example/OPS-9\"\n",
        )
        .unwrap();
        // The archive's policy wants an owner on every open action.
        std::fs::write(
            archive.join("debrief.toml"),
            "[policy]\nrequire_owner = true\n",
        )
        .unwrap();
        let server = Server::start(&dir, &[]);
        let base = format!("http://{}", server.addr);
        let driver = driver();
        let facilitator = window(&driver, 1920, 1080).await;
        let phone = window(&driver, 390, 844).await;
        facilitator
            .goto(&format!("{base}/?key={KEY}"))
            .await
            .unwrap();
        until("the follow-ups table", || async {
            text(&facilitator, "#carried-rows")
                .await
                .contains("Cap the retry storm")
        })
        .await;
        assert!(visible(&facilitator, "#phase-follow-ups").await);
        assert_eq!(
            text(&facilitator, ".stepper li.current").await,
            "Follow-ups"
        );
        assert_eq!(text(&facilitator, "#carried-rows .badge").await, "overdue");
        // Why each may slip, and what it shares, in words on the screen; priority and ticket.
        let rows = js(
            &facilitator,
            "return Array.prototype.map.call(document.querySelectorAll('#carried-rows tr'), function (r) { return r.innerText; });",
        )
        .await;
        let rows: Vec<String> = serde_json::from_value(rows).unwrap();
        let retry = rows
            .iter()
            .find(|r| r.contains("Cap the retry storm"))
            .unwrap();
        assert!(retry.contains("Why: overdue by "), "{retry}");
        assert!(retry.contains("Shares service checkout-api"), "{retry}");
        let lag = rows
            .iter()
            .find(|r| r.contains("Alert on replica lag"))
            .unwrap();
        assert!(lag.contains("Why: no owner"), "{lag}");
        assert!(
            lag.contains("Policy: action `a-9` has no owner, and the policy requires one"),
            "{lag}"
        );
        assert!(lag.contains("Shares tag database"), "{lag}");
        assert!(
            lag.contains("P2") && lag.contains("tracker.example/OPS-9"),
            "{lag}"
        );
        assert!(visible(&facilitator, "#carried-rows small.reasons").await);
        // Narrowed to the same service, the tag-only one goes.
        click(&facilitator, "#carried-same-service").await;
        until("only same-service actions", || async {
            let t = text(&facilitator, "#carried-rows").await;
            t.contains("Cap the retry storm") && !t.contains("Alert on replica lag")
        })
        .await;
        click(&facilitator, "#carried-same-service").await;
        join(&phone, &base, Some("Alex")).await;
        phase(&facilitator, &[&phone], "follow-ups").await;
        until("the phone lists the carried action", || async {
            text(&phone, "#carried-list")
                .await
                .contains("Cap the retry storm")
        })
        .await;
        assert!(
            js(&phone, "return document.querySelectorAll('#carried-panel input, #carried-panel select, #carried-panel button').length;")
                .await
                == json!(0),
            "read-only on phones"
        );
        accessibility(&facilitator, "the follow-ups phase").await;
        screenshot(&facilitator, "follow-ups.png").await;

        // The facilitator marks it done and gives it a new owner, inline.
        facilitator
            .execute(
                "var s = document.querySelector('#carried-rows select'); s.value = 'done'; s.dispatchEvent(new Event('change'));",
                vec![],
            )
            .await
            .unwrap();
        until("the phone shows it done", || async {
            text(&phone, "#carried-list").await.contains("done")
        })
        .await;
        // Typed and left, as a person does: the row being edited is not redrawn under them.
        facilitator
            .execute(
                "var i = document.querySelector('#carried-rows input[type=text]'); i.focus(); i.value = 'sam'; i.dispatchEvent(new Event('change')); i.blur();",
                vec![],
            )
            .await
            .unwrap();
        let file = other.join("incident.toml");
        until("the other incident's file has both changes", || async {
            let text = std::fs::read_to_string(&file).unwrap();
            text.contains("status = \"done\"") && text.contains("owner = \"sam\"")
        })
        .await;
        assert!(
            std::fs::read_to_string(&file)
                .unwrap()
                .contains("# Keep me.")
        );
        // The phone's first look at the state, before it joined, is a 401 by design.
        for client in [&facilitator, &phone] {
            let errors: Vec<_> = console(client)
                .await
                .into_iter()
                .filter(|(level, m)| level == "SEVERE" && !m.contains("401 (Unauthorized)"))
                .collect();
            assert!(errors.is_empty(), "console errors: {errors:?}");
        }
        no_dialog(&facilitator).await;
        for window in [facilitator, phone] {
            let _ = window.close().await;
        }
    }

    /// A meeting of the incident in `dir` with a facilitator screen (1920×1080) and one phone
    /// that joined as Alex.
    /// What the shared screen's diagrams measure in the browser: the smallest text (its font
    /// size times the drawing's scale on screen, and its box's height), how wide the drawing is
    /// against the space it has, and its key-event labels.
    async fn measured(client: &Client, selector: &str) -> Value {
        client
            .execute(
                "var svg = document.querySelector(arguments[0]);
                 if (!svg || !svg.viewBox.baseVal || !svg.viewBox.baseVal.width) return null;
                 var box = svg.getBoundingClientRect();
                 var scale = box.width / svg.viewBox.baseVal.width;
                 var least = Infinity, lowest = Infinity, smallest = '', count = 0;
                 svg.querySelectorAll('text').forEach(function (t) {
                   var r = t.getBoundingClientRect();
                   if (!r.width) return;
                   var px = parseFloat(t.getAttribute('font-size')) * scale;
                   if (px < least) { least = px; smallest = t.textContent; }
                   lowest = Math.min(lowest, r.height);
                   count++;
                 });
                 var labels = {};
                 svg.querySelectorAll('text.key-label').forEach(function (t) {
                   var x = t.getAttribute('x');
                   (labels[x] = labels[x] || []).push(t.textContent);
                 });
                 var space = svg.parentNode.clientWidth;
                 return { font: least, height: lowest, smallest: smallest, texts: count,
                          width: box.width, space: space, window: window.innerWidth,
                          labels: Object.keys(labels).map(function (k) { return labels[k]; }) };",
                vec![json!(selector)],
            )
            .await
            .unwrap_or(Value::Null)
    }

    /// Sets what `prefers-color-scheme` says, through Chromium's DevTools protocol.
    async fn prefer_scheme(client: &Client, scheme: &str) {
        let body = json!({
            "cmd": "Emulation.setEmulatedMedia",
            "params": { "features": [{ "name": "prefers-color-scheme", "value": scheme }] },
        });
        client
            .issue_cmd(Extension {
                path: "goog/cdp/execute",
                body: body.to_string(),
            })
            .await
            .expect("Chromium emulates prefers-color-scheme");
    }

    /// The page's background and text colours' relative luminance (0 black, 1 white).
    async fn luminance(client: &Client) -> (f64, f64) {
        let v = js(
            client,
            "var lum = function (c) {
               var m = c.match(/[\\d.]+/g).map(Number);
               var ch = function (v) { v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); };
               return 0.2126 * ch(m[0]) + 0.7152 * ch(m[1]) + 0.0722 * ch(m[2]);
             };
             var s = getComputedStyle(document.body);
             return [lum(s.backgroundColor), lum(s.color)];",
        )
        .await;
        (v[0].as_f64().unwrap_or(-1.0), v[1].as_f64().unwrap_or(-1.0))
    }

    /// On the shared screen, at 1920×1080 and at 1366×768, the timeline's and the flow
    /// diagram's text is at least 14 px as the browser lays it out, the flow diagram takes the
    /// full width, and a key event's label wraps onto a second line rather than being cut. The
    /// dark theme follows the system and the toggle.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn the_shared_screen_is_readable_in_the_room() {
        let (_tmp, dir) = sample();
        let server = Server::start(&dir, &[]);
        let base = format!("http://{}", server.addr);
        let driver = driver();
        for (width, height) in [(1920, 1080), (1366, 768)] {
            let screen = window(&driver, width, height).await;
            screen.goto(&format!("{base}/?key={KEY}")).await.unwrap();
            until("the timeline on the shared screen", || {
                visible(&screen, "#timeline-svg svg text.key-label")
            })
            .await;
            let timeline = measured(&screen, "#timeline-svg svg").await;
            let at = format!("{width}×{height}");
            assert!(
                timeline["font"].as_f64().unwrap() >= 14.0
                    && timeline["height"].as_f64().unwrap() >= 14.0,
                "{at}: the timeline's smallest text: {timeline}"
            );
            assert!(
                timeline["width"].as_f64().unwrap() + 1.0 >= timeline["space"].as_f64().unwrap(),
                "{at}: the timeline is narrower than its space: {timeline}"
            );
            let labels = timeline["labels"].as_array().unwrap();
            assert!(!labels.is_empty(), "{at}: no key labels: {timeline}");
            for label in labels {
                let lines = label.as_array().unwrap();
                let last = lines.last().and_then(Value::as_str).unwrap_or("");
                assert!(
                    !last.ends_with('…') || lines.len() == 2,
                    "{at}: a key label was cut on its first line: {label}"
                );
            }
            assert!(
                labels.iter().any(|l| l.as_array().unwrap().len() == 2),
                "{at}: no key label wrapped: {timeline}"
            );
            diagram_text_as_measured(&screen, &format!("{at}: the timeline")).await;

            // The evidence panel: the incident's window, saying what was left out; notable
            // moments first, then the entries grouped by template, every line folded away.
            // (At 1366×768 the button is below the diagram: scrolled to, as a person would.)
            scroll_and_click(&screen, "#toggle-candidates").await;
            until("the notable moments and templates", || async {
                visible(
                    &screen,
                    "#candidate-moments li button, #candidate-moments li span",
                )
                .await
                    && visible(&screen, "#candidate-templates tr").await
            })
            .await;
            let notes = text(&screen, "#candidate-notes").await;
            assert!(
                notes.contains("minutes either side of the incident), by time."),
                "{at}: {notes}"
            );
            let moments = text(&screen, "#candidate-moments").await;
            assert!(
                moments.contains("first critical: sorry, too many clients already"),
                "{at}: {moments}"
            );
            let templates = text(&screen, "#candidate-templates").await;
            assert!(
                templates.contains("timeout acquiring connection from pool")
                    && templates.contains("×66")
                    && templates.contains("<*>"),
                "{at}: {templates}"
            );
            assert!(
                !visible(&screen, "#candidate-rows tr").await,
                "{at}: lines folded away"
            );
            // A template expands to the lines it holds.
            scroll_and_click(
                &screen,
                "#candidate-templates tr:first-child .template-lines summary",
            )
            .await;
            until("a template's lines", || async {
                visible(
                    &screen,
                    "#candidate-templates tr:first-child .template-lines li",
                )
                .await
            })
            .await;
            let held = text(
                &screen,
                "#candidate-templates tr:first-child .template-lines",
            )
            .await;
            assert!(held.contains("logs/"), "{at}: {held}");
            if width == 1920 {
                // One click promotes the best moment (what changed just before the first
                // errors), in its own words.
                scroll_and_click(&screen, "#candidate-moments li:first-child button").await;
                until("the promoted moment on the timeline", || async {
                    text(&screen, "#timeline-rows")
                        .await
                        .contains("changed just before: ")
                })
                .await;
            }
            js(
                &screen,
                "document.getElementById('candidates').scrollIntoView();",
            )
            .await;
            screenshot(&screen, &format!("candidates-{width}x{height}.png")).await;
            scroll_and_click(&screen, "#toggle-candidates").await;
            js(&screen, "window.scrollTo(0, 0);").await;

            press(&screen, "f").await;
            until("the flow diagram", || {
                visible(&screen, "#flow-svg svg .flow-label")
            })
            .await;
            let flow = measured(&screen, "#flow-svg svg").await;
            assert!(
                flow["font"].as_f64().unwrap() >= 14.0 && flow["height"].as_f64().unwrap() >= 14.0,
                "{at}: the flow diagram's smallest text: {flow}"
            );
            let (drawn, space, whole) = (
                flow["width"].as_f64().unwrap(),
                flow["space"].as_f64().unwrap(),
                flow["window"].as_f64().unwrap(),
            );
            assert!(
                drawn + 1.0 >= space && space >= 0.9 * whole,
                "{at}: the flow diagram does not take the full width: {flow}"
            );
            diagram_text_as_measured(&screen, &format!("{at}: the flow diagram")).await;
            screenshot(&screen, &format!("flow-{width}x{height}.png")).await;

            // The toggle: dark, then light, then back to the system's choice.
            press(&screen, "d").await;
            let (paper, ink) = luminance(&screen).await;
            assert!(paper < 0.05 && ink > 0.6, "{at}: dark: {paper} {ink}");
            assert_eq!(
                js(&screen, "return document.documentElement.dataset.theme;").await,
                json!("dark")
            );
            accessibility(&screen, &format!("the dark flow view at {at}")).await;
            press(&screen, "f").await;
            accessibility(&screen, &format!("the dark timeline phase at {at}")).await;
            screenshot(&screen, &format!("dark-{width}x{height}.png")).await;
            press(&screen, "d").await;
            let (paper, _) = luminance(&screen).await;
            assert!(paper > 0.9, "{at}: light: {paper}");
            press(&screen, "d").await;
            assert_eq!(
                text(&screen, "#theme-button").await,
                "Theme: auto (D)",
                "{at}: the toggle cycles"
            );
            // Auto follows the system, and the choice survives a reload.
            prefer_scheme(&screen, "dark").await;
            let (paper, _) = luminance(&screen).await;
            assert!(paper < 0.05, "{at}: the system's dark: {paper}");
            prefer_scheme(&screen, "light").await;
            let (paper, _) = luminance(&screen).await;
            assert!(paper > 0.9, "{at}: the system's light: {paper}");
            press(&screen, "d").await;
            screen.refresh().await.unwrap();
            until("the dark theme after a reload", || async {
                js(&screen, "return document.documentElement.dataset.theme;").await == json!("dark")
            })
            .await;
            press(&screen, "d").await;
            press(&screen, "d").await;
            screen.close().await.unwrap();
        }
    }

    struct Room {
        server: Server,
        facilitator: Client,
        phone: Client,
        /// Kept to the end of the test: dropping it stops chromedriver.
        driver: Driver,
    }

    async fn room(dir: &Path) -> Room {
        let server = Server::start(dir, &[]);
        let base = format!("http://{}", server.addr);
        let driver = driver();
        let facilitator = window(&driver, 1920, 1080).await;
        let phone = window(&driver, 390, 844).await;
        facilitator
            .goto(&format!("{base}/?key={KEY}"))
            .await
            .unwrap();
        join(&phone, &base, Some("Alex")).await;
        Room {
            server,
            facilitator,
            phone,
            driver,
        }
    }

    /// Moves the meeting to `to` through the API, and waits until both screens show it.
    async fn move_room(server: &Server, facilitator: &Client, phone: &Client, to: &str) {
        let body = json!({ "phase": to }).to_string();
        let moved = server.as_facilitator("POST", "/api/phase", Some(&body));
        assert_eq!(moved.status, 200, "{}", moved.body);
        phase(facilitator, &[phone], to).await;
    }

    /// A blameless nudge shows under the phone's field as someone types, with what to write
    /// instead, and goes when the wording changes; the text is accepted either way, and the
    /// shared screen marks it.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_blameless_nudge_comes_and_goes_as_someone_types() {
        let (_tmp, dir) = sample();
        let Room {
            server: _server,
            facilitator,
            phone,
            driver: _driver,
        } = room(&dir).await;
        until("the observation form", || visible(&phone, "#entry-form")).await;
        type_into(
            &phone,
            "#entry-text",
            "The DBA should have caught the pool limit",
        )
        .await;
        until("the nudge", || visible(&phone, "#entry-text-nudge")).await;
        let nudge = text(&phone, "#entry-text-nudge").await;
        assert!(
            nudge.contains("\"should have caught\" is a counterfactual")
                && nudge.contains("Describe what happened"),
            "{nudge}"
        );
        accessibility(&phone, "the phone with a nudge").await;
        screenshot(&phone, "nudge.png").await;
        type_into(
            &phone,
            "#entry-text",
            "The pool limit was not in the deploy checklist",
        )
        .await;
        until("the nudge goes", || async {
            !visible(&phone, "#entry-text-nudge").await
        })
        .await;
        // Flagged text is still accepted, and the shared screen marks it.
        set_value(&phone, "#entry-at", "2026-11-03T14:04:00").await;
        type_into(&phone, "#entry-text", "Sam ignored the pool alert").await;
        until("the nudge for the new wording", || async {
            visible(&phone, "#entry-text-nudge").await
                && text(&phone, "#entry-text-nudge")
                    .await
                    .contains("\"Sam ignored\"")
        })
        .await;
        click(&phone, "#entry-form button[type=submit]").await;
        let file = dir.join("incident.toml");
        until("the entry in the file", || async {
            std::fs::read_to_string(&file)
                .unwrap()
                .contains("Sam ignored the pool alert")
        })
        .await;
        until("the mark on the shared screen", || async {
            js(&facilitator, "return Array.prototype.some.call(document.querySelectorAll('#timeline-rows tr'), function (tr) { return tr.textContent.indexOf('Sam ignored the pool alert') >= 0 && !!tr.querySelector('.nudge-mark'); });")
                .await
                == json!(true)
        })
        .await;
        no_dialog(&phone).await;
        for window in [facilitator, phone] {
            let _ = window.close().await;
        }
    }

    /// The feedback round: phones rate the review at wrap-up, the shared screen sums it up.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn the_feedback_round_at_wrap_up() {
        let (_tmp, dir) = sample();
        let Room {
            server,
            facilitator,
            phone,
            driver: _driver,
        } = room(&dir).await;
        move_room(&server, &facilitator, &phone, "wrap-up").await;
        // The durations read as the report writes them.
        until("the wrap-up's durations", || async {
            let d = text(&facilitator, "#wrap-durations").await;
            d.contains("7m") && d.contains("38m") && d.contains("47m")
        })
        .await;
        until("the feedback form", || visible(&phone, "#feedback-form")).await;
        click(&phone, "#feedback-form input[value='4']").await;
        type_into(&phone, "#feedback-text", "Good pace").await;
        accessibility(&phone, "the feedback form").await;
        click(&phone, "#feedback-form button[type=submit]").await;
        until("the phone's thanks", || async {
            text(&phone, "#feedback-sent")
                .await
                .contains("you gave 4 of 5")
        })
        .await;
        until("the shared screen's summary", || async {
            text(&facilitator, "#feedback-summary").await == "4 of 5, from 1 answer"
                && text(&facilitator, "#feedback-comments").await == "Good pace"
        })
        .await;
        screenshot(&facilitator, "feedback.png").await;
        // After a reload the thanks and the rating picked agree.
        phone.refresh().await.unwrap();
        until("the thanks after a reload", || async {
            text(&phone, "#feedback-sent")
                .await
                .contains("you gave 4 of 5")
        })
        .await;
        until("the rating given, picked", || async {
            js(&phone, "var r = document.querySelector('#feedback-form input[name=rating]:checked'); return r ? r.value : null").await
                == json!("4")
        })
        .await;
        assert!(
            std::fs::read_to_string(dir.join("incident.toml"))
                .unwrap()
                .contains("[[feedback]]")
        );
        no_dialog(&phone).await;
        for window in [facilitator, phone] {
            let _ = window.close().await;
        }
    }

    /// An action's priority, kind, status and ticket are set from the shared screen, and from
    /// the phone of the person who created it.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn action_fields_are_set_from_both_screens() {
        let (_tmp, dir) = sample();
        let Room {
            server,
            facilitator,
            phone,
            driver: _driver,
        } = room(&dir).await;
        move_room(&server, &facilitator, &phone, "actions").await;
        // The facilitator: a priority and a ticket on a-3.
        let change = |selector: &str, value: &str| {
            format!(
                "var c = document.querySelector({selector:?}); c.focus(); c.value = {value:?}; c.dispatchEvent(new Event('change')); c.blur();"
            )
        };
        until("the action rows", || {
            visible(&facilitator, "#action-a-3 select[data-field=priority]")
        })
        .await;
        js(
            &facilitator,
            &change("#action-a-3 select[data-field=priority]", "P0"),
        )
        .await;
        let url = format!("https://tracker.example/browse/OPS-{}", "9".repeat(120));
        js(
            &facilitator,
            &change("#action-a-3 input[data-field=ticket]", &url),
        )
        .await;
        // The phone: creates an action, then marks it in progress.
        type_into(&phone, "#action-text", "Add a pool dashboard").await;
        click(&phone, "#action-form button[type=submit]").await;
        until("the phone's own action has its controls", || {
            visible(&phone, "#action-list details.action-details")
        })
        .await;
        click(&phone, "#action-list details.action-details summary").await;
        js(
            &phone,
            &change(
                "#action-list details.action-details select[data-field=status]",
                "in-progress",
            ),
        )
        .await;
        js(
            &phone,
            &change(
                "#action-list details.action-details select[data-field=kind]",
                "detect",
            ),
        )
        .await;
        let file = dir.join("incident.toml");
        until("the file has every field", || async {
            let i = incident(&dir);
            let a3 = i.actions.iter().find(|a| a.id == "a-3").unwrap();
            let mine = i.actions.iter().find(|a| a.text == "Add a pool dashboard");
            a3.priority == Some(debrief::model::Priority::P0)
                && a3.ticket.as_deref() == Some(url.as_str())
                && mine.is_some_and(|a| {
                    a.status == debrief::model::ActionStatus::InProgress
                        && a.kind == Some(debrief::model::ActionKind::Detect)
                })
        })
        .await;
        assert!(std::fs::read_to_string(&file).unwrap().contains("OPS-999"));
        // Due dates stay on one line, and an open action due in the past is flagged.
        let due = |id: &str, day: &str| {
            server.as_facilitator(
                "PATCH",
                &format!("/api/actions/{id}"),
                Some(&json!({ "due": day, "status": "open" }).to_string()),
            )
        };
        assert_eq!(due("a-3", "2020-01-02").status, 200);
        assert_eq!(due("a-2", "2999-12-31").status, 200);
        until("a-3 flagged overdue", || async {
            text(&facilitator, "#action-a-3 td.due").await == "2020-01-02 overdue"
        })
        .await;
        until("a-2 not flagged", || async {
            text(&facilitator, "#action-a-2 td.due").await == "2999-12-31"
        })
        .await;
        assert_eq!(
            js(
                &facilitator,
                "return getComputedStyle(document.querySelector('#action-a-3 td.due')).whiteSpace"
            )
            .await,
            json!("nowrap")
        );
        accessibility(&phone, "the phone's action controls").await;
        no_dialog(&phone).await;
        for window in [facilitator, phone] {
            let _ = window.close().await;
        }
    }

    /// The facilitator corrects an entry's time, kind and text inline on the shared screen.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn the_facilitator_corrects_an_entry_inline() {
        let (_tmp, dir) = sample();
        let server = Server::start(&dir, &[]);
        let base = format!("http://{}", server.addr);
        let driver = driver();
        let facilitator = window(&driver, 1920, 1080).await;
        facilitator
            .goto(&format!("{base}/?key={KEY}"))
            .await
            .unwrap();
        until("the timeline table", || async {
            text(&facilitator, "#row-t-deploy")
                .await
                .contains("Rolling deploy")
        })
        .await;
        click(
            &facilitator,
            "#row-t-deploy button[aria-label='Edit this entry']",
        )
        .await;
        until("the row's editor", || {
            visible(&facilitator, "#row-t-deploy textarea")
        })
        .await;
        set_value(
            &facilitator,
            "#row-t-deploy input[type=datetime-local]",
            "2026-11-03T13:54:30",
        )
        .await;
        set_value(&facilitator, "#row-t-deploy select", "event").await;
        type_into(
            &facilitator,
            "#row-t-deploy textarea",
            "Deploy of v4.2.0 starts",
        )
        .await;
        screenshot(&facilitator, "inline-edit.png").await;
        click(&facilitator, "#row-t-deploy button.primary").await;
        until("the corrected row", || async {
            let row = text(&facilitator, "#row-t-deploy").await;
            row.contains("Deploy of v4.2.0 starts")
                && row.contains("13:54:30")
                && row.contains("event")
        })
        .await;
        let file = dir.join("incident.toml");
        until("the file has the correction", || async {
            let toml = std::fs::read_to_string(&file).unwrap();
            toml.contains("at     = 2026-11-03T13:54:30+01:00\ntext   = \"Deploy of v4.2.0 starts\"\nkind   = \"event\"")
        })
        .await;
        no_dialog(&facilitator).await;
        let _ = facilitator.close().await;
    }

    /// A folder fresh from `debrief new` opens in the Prepare phase; the facilitator fills in
    /// the record in the Details view and it lands in incident.toml, the template's comments
    /// kept. A severity off the scale is refused with the reason, and nothing is written.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_fresh_incident_is_prepared_in_the_details_view() {
        let (_tmp, dir) = common::fresh_incident();
        let server = Server::start(&dir, &[]);
        let base = format!("http://{}", server.addr);
        let driver = driver();
        let page = window(&driver, 1920, 1080).await;
        page.goto(&format!("{base}/?key={KEY}")).await.unwrap();
        until("the Details view", || async {
            js(&page, "return !document.getElementById('phase-prepare').hidden && document.getElementById('details-title').value;").await
                == json!("Checkout down")
        })
        .await;
        type_into(
            &page,
            "#details-title",
            "Checkout returned 500s for 38 minutes",
        )
        .await;
        type_into(&page, "#details-severity", "SEV9").await;
        scroll_and_click(&page, "#details-save").await;
        until("the refusal", || async {
            text(&page, "#details-note")
                .await
                .contains("unknown severity")
        })
        .await;
        let toml = dir.join("incident.toml");
        assert!(
            std::fs::read_to_string(&toml)
                .unwrap()
                .contains("title    = \"Checkout down\"")
        );
        type_into(&page, "#details-severity", "SEV2").await;
        set_value(&page, "#details-started", "2026-12-06T09:00:00").await;
        type_into(&page, "#details-services", "checkout, payments").await;
        type_into(&page, "#details-impact", "Half of the checkouts failed.").await;
        scroll_and_click(&page, "#details-add-person").await;
        type_into(
            &page,
            "#details-people tr:last-child input[data-key=handle]",
            "sam",
        )
        .await;
        type_into(
            &page,
            "#details-people tr:last-child input[data-key=name]",
            "Sam Lee",
        )
        .await;
        type_into(
            &page,
            "#details-people tr:last-child input[data-key=role]",
            "incident commander",
        )
        .await;
        assert_eq!(
            js(&page, "return document.documentElement.scrollWidth <= document.documentElement.clientWidth;").await,
            json!(true),
            "the Details view scrolls sideways"
        );
        accessibility(&page, "the Details view").await;
        scroll_and_click(&page, "#details-save").await;
        until("the save", || async {
            text(&page, "#details-note").await == "Saved into incident.toml."
        })
        .await;
        js(
            &page,
            "window.scrollTo(0, 0); document.activeElement.blur(); return true;",
        )
        .await;
        screenshot(&page, "details.png").await;
        let written = common::wait_for_text(&toml, "handle = \"sam\"");
        for line in [
            "title    = \"Checkout returned 500s for 38 minutes\"",
            "severity = \"SEV2\"                # SEV1 (worst) .. SEV5, or the scale in debrief.toml",
            "services = [\"checkout\", \"payments\"]",
            "started = 2026-12-06T09:00:00Z",
            "text = \"Half of the checkouts failed.\"",
            "name = \"Sam Lee\"",
            "role = \"incident commander\"",
            "# An incident for debrief. The folder name is its id.",
        ] {
            assert!(written.contains(line), "{line} in:\n{written}");
        }
        // The template's example start time went once a real one was set.
        assert!(!written.contains("# started   ="), "{written}");
        until("the title on the shared screen", || async {
            text(&page, "#title").await == "Checkout returned 500s for 38 minutes"
        })
        .await;
        let checked = common::run(&dir, &["check", "."]);
        assert!(checked.status.success(), "{}", common::transcript(&checked));
        // Opened again, the form shows the record as the file holds it.
        page.goto(&format!("{base}/")).await.unwrap();
        until("the record in the form", || async {
            js(&page, "return [document.getElementById('details-impact').value, document.getElementById('details-started').value, document.querySelector('#details-people input[data-key=role]') && document.querySelector('#details-people input[data-key=role]').value];").await
                == json!(["Half of the checkouts failed.", "2026-12-06T09:00", "incident commander"])
        })
        .await;
        let _ = page.close().await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn saves_on_disk_update_the_screens_and_errors_come_and_go() {
        let (_tmp, dir) = sample();
        let server = Server::start(&dir, &[]);
        let base = format!("http://{}", server.addr);
        let driver = driver();
        let facilitator = window(&driver, 1366, 768).await;
        let report = window(&driver, 1280, 900).await;
        facilitator
            .goto(&format!("{base}/?key={KEY}"))
            .await
            .unwrap();
        until("the facilitator screen", || async {
            text(&facilitator, "#title")
                .await
                .starts_with("Checkout API")
        })
        .await;
        // The report preview shares the facilitator's cookie jar only within a window, so it
        // signs in the same way.
        report.goto(&format!("{base}/?key={KEY}")).await.unwrap();
        report.goto(&format!("{base}/report/")).await.unwrap();
        until("the report", || async {
            text(&report, "h1").await.starts_with("Checkout API")
        })
        .await;
        let scrolled = js(&report, "window.scrollTo(0, 400); return window.scrollY;").await;
        assert!(
            scrolled.as_f64().unwrap_or(0.0) > 100.0,
            "the report scrolls: {scrolled}"
        );
        js(
            &facilitator,
            "window.scrollTo(0, 300); window.__noReload = true;",
        )
        .await;
        let toml = dir.join("incident.toml");
        let text0 = std::fs::read_to_string(&toml).unwrap();
        // A change that keeps the layout, so the same scroll offset shows the same place.
        std::fs::write(
            &toml,
            text0.replace("returned 500s for 38", "returned 503s for 38"),
        )
        .unwrap();
        until("the new title on the facilitator screen", || async {
            text(&facilitator, "#title").await == "Checkout API returned 503s for 38 minutes"
        })
        .await;
        assert_eq!(
            js(&facilitator, "return window.__noReload === true;").await,
            json!(true)
        );
        assert_eq!(js(&facilitator, "return window.scrollY;").await, json!(300));
        // The report reloads itself and keeps its place.
        until("the new title in the report", || async {
            text(&report, "h1").await == "Checkout API returned 503s for 38 minutes"
        })
        .await;
        until("the report keeps its scroll position", || async {
            js(&report, "return window.scrollY;").await == scrolled
        })
        .await;

        // Broken: the overlay appears everywhere; fixed: it goes.
        let fixed = std::fs::read_to_string(&toml).unwrap();
        std::fs::write(
            &toml,
            fixed.replace("severity = \"SEV2\"", "severity = = \"SEV2\""),
        )
        .unwrap();
        until("the overlay on the facilitator screen", || async {
            visible(&facilitator, "#error").await
                && text(&facilitator, "#error-text")
                    .await
                    .contains("incident.toml:")
        })
        .await;
        until("the overlay on the report", || async {
            visible(&report, "#debrief-overlay").await
        })
        .await;
        std::fs::write(&toml, &fixed).unwrap();
        until("the overlay goes from the facilitator screen", || async {
            !visible(&facilitator, "#error").await
        })
        .await;
        until("the overlay goes from the report", || async {
            !visible(&report, "#debrief-overlay").await
        })
        .await;
        js(&report, "window.scrollTo(0, 0);").await;
        screenshot(&report, "report.png").await;
        accessibility(&report, "the report").await;
        for window in [facilitator, report] {
            let _ = window.close().await;
        }
    }

    const PAYLOADS: &[&str] = &[
        "<img src=x onerror=\"window.__xss=1;alert(1)\">",
        "<svg onload=\"window.__xss=1;alert(1)\"></svg>",
        "[click me](javascript:window.__xss=1;alert(1))",
        "<script>window.__xss=1;alert(1)</script>",
        "\"><iframe src=\"javascript:alert(1)\"></iframe>",
        "<a href=\"javascript:alert(1)\" onmouseover=\"alert(1)\">hover</a>",
    ];

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn injected_markup_stays_text_live_and_in_the_built_site() {
        let (tmp, dir) = sample();
        let server = Server::start(&dir, &[]);
        let base = format!("http://{}", server.addr);
        let driver = driver();
        let facilitator = window(&driver, 1920, 1080).await;
        let mallory = window(&driver, 390, 844).await;
        facilitator
            .goto(&format!("{base}/?key={KEY}"))
            .await
            .unwrap();
        join(&mallory, &base, Some("<b onmouseover=alert(1)>Mallory</b>")).await;
        for payload in PAYLOADS {
            observe(&mallory, "2026-11-03T14:10:00", payload).await;
        }
        // Factors and actions through the API, as a script would.
        let token = server.join(Some("<img src=x onerror=alert(1)>"));
        for payload in PAYLOADS {
            let body = json!({ "text": payload }).to_string();
            assert_eq!(
                server
                    .call("POST", "/api/factors", &token, Some(&body))
                    .status,
                201
            );
            let body = json!({ "text": payload, "owner": payload }).to_string();
            assert_eq!(
                server
                    .call("POST", "/api/actions", &token, Some(&body))
                    .status,
                201
            );
        }
        // Each payload reads as what its Markdown says, with raw HTML left out, as in the report.
        until(
            "every payload on the facilitator screen, as text",
            || async {
                let rows = text(&facilitator, "#timeline-rows").await;
                rows.matches("Mallory</b>").count() == PAYLOADS.len()
                    && PAYLOADS
                        .iter()
                        .all(|p| rows.contains(&debrief::render::markdown::plain(p)))
            },
        )
        .await;
        // Show every phase, so every list is drawn.
        for name in ["factors", "vote", "actions", "lessons", "wrap-up"] {
            let body = json!({ "phase": name }).to_string();
            assert_eq!(
                server
                    .as_facilitator("POST", "/api/phase", Some(&body))
                    .status,
                200
            );
            phase(&facilitator, &[&mallory], name).await;
            for window in [&facilitator, &mallory] {
                no_dialog(window).await;
                assert_eq!(
                    js(window, "return window.__xss === undefined;").await,
                    json!(true)
                );
            }
        }
        let body = json!({ "revealed": true }).to_string();
        server.as_facilitator("POST", "/api/votes/reveal", Some(&body));
        let report = window(&driver, 1280, 900).await;
        report.goto(&format!("{base}/?key={KEY}")).await.unwrap();
        report.goto(&format!("{base}/report/")).await.unwrap();
        until("the payloads in the report", || async {
            text(&report, "body").await.contains("window.__xss=1")
        })
        .await;
        no_dialog(&report).await;
        assert_eq!(
            js(&report, "return window.__xss === undefined;").await,
            json!(true)
        );
        assert_eq!(
            js(&report, "return document.querySelectorAll('main script, main iframe, main [onerror], main [onload], main [onmouseover], main a[href^=\"javascript\"]').length;").await,
            json!(0)
        );

        // The built site, from file://.
        until("the file has the payloads", || async {
            incident(&dir).actions.len() >= 6 + PAYLOADS.len()
        })
        .await;
        let out = tmp.path().join("site");
        let built = common::run(
            &common::root(),
            &[
                "build",
                dir.to_str().unwrap(),
                "--out",
                out.to_str().unwrap(),
            ],
        );
        assert!(
            built.status.success(),
            "{}",
            String::from_utf8_lossy(&built.stderr)
        );
        let id = dir.file_name().unwrap().to_str().unwrap();
        for page in [
            "index.html",
            &format!("incidents/{id}/index.html"),
            "actions.html",
            "trends.html",
        ] {
            let url = format!("file://{}", out.join(page).display());
            // Reading the console empties it: what follows is this page's alone.
            console(&report).await;
            report.goto(&url).await.unwrap();
            until(&format!("{page} loads"), || async {
                js(&report, "return document.readyState;").await == json!("complete")
            })
            .await;
            no_dialog(&report).await;
            assert_eq!(
                js(&report, "return window.__xss === undefined;").await,
                json!(true),
                "{page}"
            );
            let broken = js(
                &report,
                "var bad = [];
                 document.querySelectorAll('img').forEach(function (i) { if (!(i.complete && i.naturalWidth > 0)) bad.push(i.src); });
                 document.querySelectorAll('link[rel=stylesheet]').forEach(function (l) { if (!l.sheet) bad.push(l.href); });
                 return bad;",
            )
            .await;
            assert_eq!(broken, json!([]), "{page}: resources that did not load");
            let errors: Vec<(String, String)> = console(&report)
                .await
                .into_iter()
                .filter(|(level, _)| level == "SEVERE" || level == "WARNING")
                .collect();
            assert!(errors.is_empty(), "{page}: console: {errors:?}");
            if page.starts_with("incidents/") || page == "trends.html" {
                diagram_text_as_measured(&report, page).await;
            }
        }
        // The standalone diagrams carry their font inside: they look the same in a docs site,
        // or opened on their own.
        for svg in ["timeline.svg", "flow.svg"] {
            let path = out.join(format!("incidents/{id}/{svg}"));
            report
                .goto(&format!("file://{}", path.display()))
                .await
                .unwrap();
            diagram_text_as_measured(&report, svg).await;
        }
        for window in [facilitator, mallory, report] {
            let _ = window.close().await;
        }
    }

    /// A quarter of postmortems as leadership reads it, opened from disk at 1920x1080: the
    /// index links each service's page; trends, themes and a service's page fit the width, no
    /// chart puts text over its bars, and the numbers a VP asks for are on the page.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_quarter_reads_on_the_archive_pages() {
        let (_tmp, out) = quarter_site("2026-12-01");
        let driver = driver();
        let page = window(&driver, 1920, 1080).await;
        page.goto(&format!("file://{}", out.join("index.html").display()))
            .await
            .unwrap();
        click(&page, "p.services a[href='services/payments.html']").await;
        until("the service's page", || async {
            text(&page, "h1").await == "Service payments"
        })
        .await;
        assert!(text(&page, "#resolve").await.contains("median 3h 15m"));
        assert!(
            text(&page, "#themes")
                .await
                .contains("expiring credentials")
        );
        assert!(
            text(&page, "#open-actions tbody tr:first-child")
                .await
                .contains("overdue")
        );
        accessibility(&page, "a service's page").await;
        screenshot(&page, "service.png").await;
        for file in [
            "index.html",
            "trends.html",
            "themes.html",
            "services/payments.html",
        ] {
            console(&page).await;
            page.goto(&format!("file://{}", out.join(file).display()))
                .await
                .unwrap();
            until(&format!("{file} loads"), || async {
                js(&page, "return document.readyState;").await == json!("complete")
            })
            .await;
            assert_eq!(
                js(&page, "return document.documentElement.scrollWidth <= document.documentElement.clientWidth;").await,
                json!(true),
                "{file} scrolls sideways"
            );
            // Text of a chart (legend, labels) never lies on one of its bars.
            let covered = js(
                &page,
                "var hits = [];
                 document.querySelectorAll('figure svg').forEach(function (svg) {
                   var bars = Array.prototype.filter.call(svg.querySelectorAll('rect'), function (r) {
                     var f = (r.getAttribute('fill') || '').toLowerCase();
                     var b = r.getBoundingClientRect();
                     return f !== '#ffffff' && f !== 'none' && b.width > 14 && b.height > 2;
                   }).map(function (r) { return r.getBoundingClientRect(); });
                   svg.querySelectorAll('text').forEach(function (t) {
                     var a = t.getBoundingClientRect();
                     bars.forEach(function (b) {
                       if (a.left < b.right - 1 && b.left < a.right - 1 && a.top < b.bottom - 1 && b.top < a.bottom - 1) hits.push(t.textContent);
                     });
                   });
                 });
                 return hits;",
            )
            .await;
            assert_eq!(covered, json!([]), "{file}: chart text over bars");
            let errors: Vec<(String, String)> = console(&page)
                .await
                .into_iter()
                .filter(|(level, _)| level == "SEVERE" || level == "WARNING")
                .collect();
            assert!(errors.is_empty(), "{file}: console: {errors:?}");
        }
        page.goto(&format!("file://{}", out.join("trends.html").display()))
            .await
            .unwrap();
        assert!(
            text(&page, "#months tbody tr:first-child")
                .await
                .starts_with("2026-11"),
            "newest month first"
        );
        screenshot(&page, "trends.png").await;
        let _ = page.close().await;
    }

    /// The quarter's archive built as of `today`, the way the README runs `build`.
    fn quarter_site(today: &str) -> (tempfile::TempDir, std::path::PathBuf) {
        let tmp = common::scratch();
        let out = tmp.path().join("site");
        let built = common::run(
            &common::root(),
            &[
                "build",
                "tests/fixtures/quarter/incidents",
                "--out",
                out.to_str().unwrap(),
                "--today",
                today,
            ],
        );
        assert!(built.status.success(), "{}", common::transcript(&built));
        (tmp, out)
    }

    /// The status page of the quarter, opened from disk on a laptop and on a phone: a day
    /// with incidents shows them when it gets the keyboard's focus, and nothing scrolls sideways.
    #[tokio::test]
    async fn the_status_page_shows_a_days_incidents_on_focus() {
        let (_tmp, out) = quarter_site("2026-11-20");
        let driver = driver();
        for (width, height) in [(1280, 900), (390, 844)] {
            let page = window(&driver, width, height).await;
            page.goto(&format!("file://{}", out.join("status.html").display()))
                .await
                .unwrap();
            until("the status page", || async {
                text(&page, "h1").await == "Status"
            })
            .await;
            assert_eq!(
                js(&page, "return document.documentElement.scrollWidth <= document.documentElement.clientWidth;").await,
                json!(true),
                "the status page scrolls sideways at {width} px"
            );
            // Before focus, a day's incidents are for screen readers only.
            let shown = "var d = document.querySelector('ol.status-strip li[tabindex]'); \
                         var r = d.querySelector('.day-detail').getBoundingClientRect(); \
                         return [r.width > 60 && r.height > 20, r.left >= 0 && r.right <= document.documentElement.clientWidth, d.textContent.trim()];";
            assert_eq!(js(&page, shown).await[0], json!(false));
            js(
                &page,
                "document.querySelector('ol.status-strip li[tabindex]').focus(); return true;",
            )
            .await;
            let after = js(&page, shown).await;
            assert_eq!(
                after[0],
                json!(true),
                "the day's incidents show on focus at {width} px"
            );
            assert_eq!(
                after[1],
                json!(true),
                "the day's incidents stay on screen at {width} px"
            );
            assert!(
                after[2].as_str().unwrap().starts_with("2026-09-09 down:"),
                "{after}"
            );
            accessibility(&page, "the status page").await;
            if width > 1000 {
                screenshot(&page, "status.png").await;
            }
            let _ = page.close().await;
        }
    }

    /// A seven-hour outage on the shared screen at 1920x1080: the timeline gives its first
    /// busy minutes room and marks the quiet hours, and the flow of its 9 factors and 10
    /// actions fits the screen and one more of scrolling, its boxes reaching the right edge.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_long_incident_reads_on_the_shared_screen() {
        let tmp = common::scratch();
        let dir = tmp.path().join("2026-09-14-backbone");
        std::fs::create_dir(&dir).unwrap();
        std::fs::copy(
            common::root().join("tests/fixtures/long-incident/incident.toml"),
            dir.join("incident.toml"),
        )
        .unwrap();
        let server = Server::start(&dir, &[]);
        let driver = driver();
        let screen = window(&driver, 1920, 1080).await;
        screen
            .goto(&format!("http://{}/?key={KEY}", server.addr))
            .await
            .unwrap();
        until("the long timeline", || {
            visible(&screen, "#timeline-svg svg text.key-label")
        })
        .await;
        let timeline = measured(&screen, "#timeline-svg svg").await;
        assert!(timeline["font"].as_f64().unwrap() >= 14.0, "{timeline}");
        assert!(
            timeline["width"].as_f64().unwrap() <= timeline["space"].as_f64().unwrap() + 1.0,
            "the timeline scrolls sideways: {timeline}"
        );
        // Every key event has its label, and the compressed hours are marked.
        let labels = js(
            &screen,
            "return document.querySelectorAll('#timeline-svg svg text.key-label').length;",
        )
        .await;
        assert!(labels.as_u64().unwrap() >= 8, "{labels} label lines");
        assert!(visible(&screen, "#timeline-svg svg .axis-break").await);
        diagram_text_as_measured(&screen, "the long timeline").await;
        screenshot(&screen, "long-timeline.png").await;

        press(&screen, "f").await;
        until("the flow diagram", || {
            visible(&screen, "#flow-svg svg .flow-label")
        })
        .await;
        let flow = measured(&screen, "#flow-svg svg").await;
        assert!(flow["font"].as_f64().unwrap() >= 14.0, "{flow}");
        let tall = js(
            &screen,
            "return document.querySelector('#flow-svg svg').getBoundingClientRect().height;",
        )
        .await;
        assert!(
            tall.as_f64().unwrap() <= 2.0 * 1080.0,
            "the flow is {tall} px tall"
        );
        let right = js(
            &screen,
            "var svg = document.querySelector('#flow-svg svg'); var r = 0;
             svg.querySelectorAll('g.flow-node rect').forEach(function (b) { r = Math.max(r, b.getBoundingClientRect().right); });
             return [r, svg.getBoundingClientRect().right];",
        )
        .await;
        let right: Vec<f64> = serde_json::from_value(right).unwrap();
        assert!(
            right[1] - right[0] <= 40.0,
            "an empty band right of the boxes: {right:?}"
        );
        diagram_text_as_measured(&screen, "the long flow").await;
        screenshot(&screen, "long-flow.png").await;
        let _ = screen.close().await;
    }

    /// Serves the files below `root` over HTTP under `/archive/`, as a static host would: a
    /// thread per connection, one request each. Returns `http://127.0.0.1:port/archive/`.
    fn static_host(root: PathBuf) -> String {
        use std::io::{BufRead, BufReader, Write};
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let root = root.clone();
                std::thread::spawn(move || {
                    let mut reader = BufReader::new(&stream);
                    let mut line = String::new();
                    if reader.read_line(&mut line).is_err() {
                        return;
                    }
                    let path = line.split_whitespace().nth(1).unwrap_or("/");
                    let path = path.split('?').next().unwrap_or(path);
                    let file = path
                        .strip_prefix("/archive/")
                        .filter(|p| !p.split('/').any(|part| part == ".."))
                        .map(|p| root.join(p))
                        .filter(|p| p.is_file());
                    let mut stream = &stream;
                    let (status, body, kind) = match file {
                        Some(f) => {
                            let kind = match f.extension().and_then(|e| e.to_str()) {
                                Some("html") => "text/html; charset=utf-8",
                                Some("css") => "text/css",
                                Some("js") => "text/javascript",
                                Some("json") => "application/json",
                                Some("svg") => "image/svg+xml",
                                _ => "application/octet-stream",
                            };
                            ("200 OK", std::fs::read(f).unwrap_or_default(), kind)
                        }
                        None => ("404 Not Found", b"not found".to_vec(), "text/plain"),
                    };
                    let _ = write!(
                        stream,
                        "HTTP/1.1 {status}\r\nContent-Type: {kind}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                        body.len()
                    );
                    let _ = stream.write_all(&body);
                });
            }
        });
        format!("http://127.0.0.1:{port}/archive/")
    }

    /// The built site's search, from a static host under a sub-path: a linked query runs on
    /// load, a typo still finds the incident, the facets narrow the results, and the search
    /// box on every page leads there.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn search_finds_incidents_with_a_typo_over_http() {
        let tmp = tempfile::tempdir().unwrap();
        let archive = tmp.path().join("archive");
        common::sample_and_one_more(
            &archive,
            "2026-11-03-checkout-500s",
            "2026-10-01-dns",
            "title = \"Internal DNS answered slowly\"\nsummary = \"Lookups took seconds for the whole incident.\"\nseverity = \"SEV3\"\nservices = [\"dns\"]\ntags = [\"network\"]\n[times]\nstarted = 2026-10-01T10:00:00Z\n",
        );
        let out = tmp.path().join("site");
        common::build_site(&archive, &out);
        let base = static_host(out.clone());
        let driver = driver();
        let page = window(&driver, 1280, 900).await;

        // "conection" is one letter short of "connection".
        page.goto(&format!("{base}search.html?q=conection"))
            .await
            .unwrap();
        until("results for a typo", || async {
            text(&page, "#results li a").await == "Checkout API returned 500s for 38 minutes"
        })
        .await;
        assert_eq!(text(&page, "#search-status").await, "1 incident found");
        let took = js(
            &page,
            "return document.body.getAttribute('data-search-ms');",
        )
        .await;
        eprintln!("search: the first query took {took} ms, index loading included");

        // A word in both incidents; the severity facet narrows to one.
        page.goto(&format!("{base}search.html?q=incident"))
            .await
            .unwrap();
        until("both incidents", || async {
            text(&page, "#search-status").await == "2 incidents found"
        })
        .await;
        page.execute(
            "var s = document.querySelector('#facets select[name=s]'); s.value = 'SEV3'; s.dispatchEvent(new Event('change'));",
            vec![],
        )
        .await
        .unwrap();
        until("the severity facet", || async {
            text(&page, "#search-status").await == "1 of 2 incidents shown"
                && text(&page, "#results li a").await == "Internal DNS answered slowly"
        })
        .await;
        accessibility(&page, "the search page").await;

        // Dates never wrap ("2026-11-" over "03"), on the index or the actions page.
        for listing in ["index.html", "actions.html"] {
            page.goto(&format!("{base}{listing}")).await.unwrap();
            let wrapped = js(
                &page,
                "var bad = [];
                 document.querySelectorAll('td.date').forEach(function (td) {
                   var r = document.createRange(); r.selectNodeContents(td);
                   if (td.textContent.trim() && r.getClientRects().length > 1) bad.push(td.textContent);
                 });
                 return [document.querySelectorAll('td.date').length, bad];",
            )
            .await;
            assert!(wrapped[0].as_u64().unwrap() > 0, "{listing}: no date cells");
            assert_eq!(wrapped[1], json!([]), "{listing}: wrapped dates");
        }

        // The box on every page leads to the search, prefixes match.
        page.goto(&format!("{base}index.html")).await.unwrap();
        type_into(&page, "#site-search", "rollb").await;
        click(&page, "form.search button").await;
        until("results from the search box", || async {
            text(&page, "#results li a").await == "Checkout API returned 500s for 38 minutes"
        })
        .await;
        assert!(
            page.current_url()
                .await
                .unwrap()
                .as_str()
                .ends_with("search.html?q=rollb")
        );
        page.goto(&format!("{base}search.html?q=pool"))
            .await
            .unwrap();
        until("results for the screenshot", || async {
            !text(&page, "#results").await.is_empty()
        })
        .await;
        screenshot(&page, "search.png").await;

        // The same site opened from disk: the index loads as scripts, two swapped letters
        // still find the word, and a severity or a service in the query is a filter.
        let disk = format!("file://{}/", out.display());
        for (query, status, first) in [
            (
                "cehckout",
                "1 incident found",
                "Checkout API returned 500s for 38 minutes",
            ),
            (
                "SEV3",
                "1 incident found (filtered by sev3)",
                "Internal DNS answered slowly",
            ),
            (
                "sev2 pool",
                "1 incident found (filtered by sev2)",
                "Checkout API returned 500s for 38 minutes",
            ),
            (
                "lookups DNS",
                "1 incident found (filtered by dns)",
                "Internal DNS answered slowly",
            ),
        ] {
            page.goto(&format!("{disk}search.html?q={query}"))
                .await
                .unwrap();
            until(&format!("results for {query:?} from disk"), || async {
                text(&page, "#search-status").await == status
                    && text(&page, "#results li a").await == first
            })
            .await;
        }
        page.goto(&format!("{disk}search.html?q=sev3%20pool"))
            .await
            .unwrap();
        until("a filter that leaves nothing", || async {
            text(&page, "#search-status").await == "0 incidents found (filtered by sev3)"
        })
        .await;
        let _ = page.close().await;
    }

    /// A public build of the sample, as a customer sees it in the browser: host names and
    /// e-mail addresses show as markers, people as their roles.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn the_public_report_shows_markers_and_roles() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("2026-11-03-checkout-500s");
        std::fs::create_dir_all(&dir).unwrap();
        copy_sample(&dir);
        let mut toml = std::fs::read_to_string(dir.join("incident.toml")).unwrap();
        toml.push_str("\n[public]\nredact = [\"ip\", \"email\", \"hostname\", \"secret\"]\nnames = [\"Acme Retail\"]\n");
        std::fs::write(dir.join("incident.toml"), toml).unwrap();
        let out = tmp.path().join("public");
        let built = common::run(
            &common::root(),
            &[
                "build",
                dir.to_str().unwrap(),
                "--out",
                out.to_str().unwrap(),
                "--public",
                "--today",
                "2026-11-26",
            ],
        );
        assert_eq!(
            built.status.code(),
            Some(0),
            "{}",
            common::transcript(&built)
        );
        let base = static_host(out.clone());
        let driver = driver();
        let page = window(&driver, 1280, 900).await;
        // A public build names the incident by its date and a hash, not by its folder.
        let public_id = std::fs::read_dir(out.join("incidents"))
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .find(|n| n.starts_with("2026-11-03-"))
            .expect("the public report's folder");
        assert!(!public_id.contains("checkout"), "{public_id}");
        page.goto(&format!("{base}incidents/{public_id}/index.html"))
            .await
            .unwrap();
        until("the public report", || async {
            text(&page, "h1").await.starts_with("Checkout API")
        })
        .await;
        let body = text(&page, "body").await;
        assert!(body.contains("incident commander"), "roles shown");
        for name in [
            "Sam Example",
            "Priya Raman",
            "oncall-primary",
            "tracker.example",
        ] {
            assert!(!body.contains(name), "{name} is not on the public page");
        }
        accessibility(&page, "the public report").await;
        screenshot(&page, "public-report.png").await;
        let _ = page.close().await;
    }
}

/// The stepper's name of a phase.
#[cfg(feature = "browser")]
fn phase_title(phase: &str) -> &'static str {
    match phase {
        "follow-ups" => "Follow-ups",
        "timeline" => "Timeline",
        "factors" => "Factors",
        "vote" => "Vote",
        "actions" => "Actions",
        "lessons" => "Lessons",
        _ => "Wrap-up",
    }
}
