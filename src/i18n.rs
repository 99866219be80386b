//! The reader's languages: the Fluent catalogues in `locales/` (built into the binary), the choice
//! of one from what a request asks for, and the embed's share of them. Every word the embed, the
//! report form and the status page show comes from here; English is the fallback.

use std::sync::LazyLock;

use chrono::{Datelike, NaiveDateTime};
use fluent_bundle::concurrent::FluentBundle;
use fluent_bundle::{FluentArgs, FluentResource, FluentValue};

/// A language the reader's side is written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    En,
    Es,
}

impl Lang {
    pub const ALL: [Lang; 2] = [Lang::En, Lang::Es];

    pub fn code(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::Es => "es",
        }
    }

    /// The language of a tag such as `es`, `es-MX` or `EN_gb`, by its primary subtag.
    pub fn from_tag(tag: &str) -> Option<Lang> {
        let primary = tag.trim().split(['-', '_']).next()?.to_ascii_lowercase();
        Lang::ALL.into_iter().find(|l| l.code() == primary)
    }

    /// The reader's pages and the reader's mail (`mail.ftl`), one catalogue.
    fn source(self) -> &'static str {
        match self {
            Lang::En => concat!(
                include_str!("../locales/en/reader.ftl"),
                "\n",
                include_str!("../locales/en/mail.ftl")
            ),
            Lang::Es => concat!(
                include_str!("../locales/es/reader.ftl"),
                "\n",
                include_str!("../locales/es/mail.ftl")
            ),
        }
    }
}

/// The tags of an `Accept-Language` header, most wanted first (by `q`, then by order); tags
/// with `q=0` are left out, as is anything that does not parse.
pub fn accepted(header: &str) -> Vec<String> {
    let mut tags: Vec<(u16, usize, String)> = header
        .split(',')
        .enumerate()
        .filter_map(|(i, part)| {
            let mut pieces = part.split(';');
            let tag = pieces.next()?.trim();
            if tag.is_empty() {
                return None;
            }
            let mut q = 1000;
            for p in pieces {
                if let Some(v) = p.trim().strip_prefix("q=") {
                    let v: f32 = v.trim().parse().ok()?;
                    if !(0.0..=1.0).contains(&v) {
                        return None;
                    }
                    q = (v * 1000.0).round() as u16;
                }
            }
            (q > 0).then(|| (q, i, tag.to_owned()))
        })
        .collect();
    tags.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
    tags.into_iter().map(|(_, _, tag)| tag).collect()
}

/// The language for a request: the one it names (`?lang=`, a form's field), else the first of
/// `Accept-Language` that we have, else English.
pub fn choose(named: Option<&str>, accept_language: Option<&str>) -> Lang {
    named
        .and_then(Lang::from_tag)
        .or_else(|| {
            accept_language
                .map(accepted)
                .unwrap_or_default()
                .iter()
                .find_map(|t| Lang::from_tag(t))
        })
        .unwrap_or(Lang::En)
}

type Bundle = FluentBundle<FluentResource>;

static BUNDLES: LazyLock<Vec<(Lang, Bundle)>> = LazyLock::new(|| {
    Lang::ALL
        .into_iter()
        .map(|lang| (lang, bundle(lang).0))
        .collect()
});

/// One language's bundle, with every problem found in its file (none, a test checks).
fn bundle(lang: Lang) -> (Bundle, Vec<String>) {
    let mut problems = Vec::new();
    let resource = FluentResource::try_new(lang.source().to_owned()).unwrap_or_else(|(r, e)| {
        problems.extend(e.iter().map(|e| format!("{}: {e:?}", lang.code())));
        r
    });
    let id = lang
        .code()
        .parse()
        .unwrap_or_else(|_| unic_langid::LanguageIdentifier::default());
    let mut bundle = FluentBundle::new_concurrent(vec![id]);
    // The text goes into HTML and the DOM as it is, without bidi isolation marks around values.
    bundle.set_use_isolating(false);
    if let Err(e) = bundle.add_resource(resource) {
        problems.extend(e.iter().map(|e| format!("{}: {e:?}", lang.code())));
    }
    (bundle, problems)
}

/// The ids of the messages in a language's file, in file order.
pub fn keys(lang: Lang) -> Vec<String> {
    lang.source()
        .lines()
        .filter(|l| l.starts_with(|c: char| c.is_ascii_alphabetic()))
        .filter_map(|l| l.split_once('='))
        .map(|(id, _)| id.trim().to_owned())
        .collect()
}

/// Problems in the catalogue files: syntax errors, repeated ids.
pub fn problems() -> Vec<String> {
    Lang::ALL.into_iter().flat_map(|l| bundle(l).1).collect()
}

/// The limits the field messages quote, so the words and the rules cannot drift apart.
fn limits(args: &mut FluentArgs<'_>) {
    use crate::reports::{
        DESCRIPTION_MAX, DESCRIPTION_MIN, EVIDENCE_MAX, NAME_MAX, SUGGESTION_MAX,
    };
    args.set("description-min", DESCRIPTION_MIN);
    args.set("description-max", DESCRIPTION_MAX);
    args.set("suggestion-max", SUGGESTION_MAX);
    args.set("evidence-max", EVIDENCE_MAX);
    args.set("name-max", NAME_MAX);
}

/// The messages of one language, for a page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Messages(pub Lang);

impl Messages {
    pub fn lang(&self) -> &'static str {
        self.0.code()
    }

    /// The message `id`; a missing one shows as its id (a test keeps that from happening).
    pub fn get(&self, id: &str) -> String {
        self.args(id, &[])
    }

    /// The message `id` with one text value, for templates.
    pub fn with(&self, id: &str, name: &str, value: &str) -> String {
        self.args(id, &[(name, value.into())])
    }

    /// The message `id` with values for its variables.
    pub fn args(&self, id: &str, values: &[(&str, FluentValue<'_>)]) -> String {
        let mut args = FluentArgs::new();
        limits(&mut args);
        for (name, value) in values {
            args.set(*name, value.clone());
        }
        self.format(id, &args)
    }

    fn format(&self, id: &str, args: &FluentArgs<'_>) -> String {
        let Some((_, bundle)) = BUNDLES.iter().find(|(l, _)| *l == self.0) else {
            return id.to_owned();
        };
        let Some(pattern) = bundle.get_message(id).and_then(|m| m.value()) else {
            return id.to_owned();
        };
        let mut errors = Vec::new();
        let text = bundle.format_pattern(pattern, Some(args), &mut errors);
        if !errors.is_empty() {
            log::warn!("message {id} ({}): {errors:?}", self.lang());
        }
        text.into_owned()
    }

    /// A time as "2 December 2026, 22:02 UTC", in words of this language.
    pub fn date_time(&self, t: NaiveDateTime) -> String {
        let month = self.get(&format!("month-{}", t.month()));
        self.args(
            "date-time",
            &[
                ("day", t.day().into()),
                ("month", month.into()),
                ("year", t.year().to_string().into()),
                ("time", t.format("%H:%M").to_string().into()),
            ],
        )
    }

    /// An RFC 3339 time (as the public answers carry it) in words; unparsable text as it is.
    pub fn date_time_rfc3339(&self, s: &str) -> String {
        crate::time::parse(s).map_or_else(|| s.to_owned(), |t| self.date_time(t))
    }
}

/// The words of reader mail (`mail::Words`, handed to the domain through `mail::Site`): a
/// language by its code (English for one we do not have), a message and its text values.
pub fn mail_words(lang: &str, id: &str, args: &[(&str, &str)]) -> String {
    let values: Vec<(&str, FluentValue<'_>)> = args
        .iter()
        .map(|(k, v)| (*k, FluentValue::from(*v)))
        .collect();
    Messages(Lang::from_tag(lang).unwrap_or(Lang::En)).args(id, &values)
}

/// The prefixes of the keys the embed uses: only those travel inside `embed.js`.
const WIDGET_PREFIXES: [&str; 5] = ["widget-", "report-", "category-", "kind-", "invalid-"];

/// The embed's messages in every language, as JSON: `{"en": {"widget-corrections": …}, …}`.
/// A value the embed fills in at run time stays a `{name}` slot (`{minutes}`, `{message}`).
pub fn widget_catalogue() -> serde_json::Value {
    let mut all = serde_json::Map::new();
    for lang in Lang::ALL {
        let t = Messages(lang);
        let mut args = FluentArgs::new();
        limits(&mut args);
        for slot in ["minutes", "message", "status"] {
            args.set(slot, format!("{{{slot}}}"));
        }
        let messages: serde_json::Map<String, serde_json::Value> = keys(lang)
            .into_iter()
            .filter(|k| WIDGET_PREFIXES.iter().any(|p| k.starts_with(p)))
            .map(|k| {
                let text = t.format(&k, &args);
                (k, serde_json::Value::String(text))
            })
            .collect();
        all.insert(lang.code().to_owned(), serde_json::Value::Object(messages));
    }
    serde_json::Value::Object(all)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accept_language_is_ordered_by_weight_then_order() {
        assert_eq!(
            accepted("fr-CH, fr;q=0.9, es;q=0.95, de;q=0, *;q=0.5"),
            ["fr-CH", "es", "fr", "*"]
        );
        assert_eq!(accepted(""), Vec::<String>::new());
        assert_eq!(accepted("en;q=abc, es"), ["es"]);
        assert_eq!(accepted("en;q=2, es"), ["es"]);
    }

    #[test]
    fn a_named_language_wins_then_accept_language_then_english() {
        assert_eq!(choose(Some("es"), Some("en")), Lang::Es);
        assert_eq!(choose(Some("ES-mx"), None), Lang::Es);
        assert_eq!(choose(Some("klingon"), Some("de, es;q=0.8")), Lang::Es);
        assert_eq!(choose(None, Some("es-AR,es;q=0.9,en;q=0.8")), Lang::Es);
        assert_eq!(choose(None, Some("de, fr")), Lang::En);
        assert_eq!(choose(None, None), Lang::En);
    }

    #[test]
    fn the_catalogues_parse_and_hold_the_same_keys() {
        assert_eq!(problems(), Vec::<String>::new());
        let en = keys(Lang::En);
        assert!(en.len() > 50, "{en:?}");
        for lang in Lang::ALL {
            let mut theirs = keys(lang);
            let missing: Vec<&String> = en.iter().filter(|k| !theirs.contains(k)).collect();
            let extra: Vec<&String> = theirs.iter().filter(|k| !en.contains(k)).collect();
            assert!(
                missing.is_empty() && extra.is_empty(),
                "{}: missing {missing:?}, not in English {extra:?}",
                lang.code()
            );
            let n = theirs.len();
            theirs.sort();
            theirs.dedup();
            assert_eq!(theirs.len(), n, "{}: a key given twice", lang.code());
        }
    }

    #[test]
    fn messages_take_values_and_plurals() {
        let en = Messages(Lang::En);
        let es = Messages(Lang::Es);
        assert_eq!(
            en.args("form-try-again", &[("minutes", 1.into())]),
            "Too many reports were sent from this address in the last hour. Please try again in about one minute."
        );
        assert!(en
            .args("form-try-again", &[("minutes", 42.into())])
            .ends_with("about 42 minutes."));
        assert!(es
            .args("form-try-again", &[("minutes", 42.into())])
            .ends_with("dentro de unos 42 minutos."));
        assert_eq!(
            en.get("invalid-description"),
            "Say what is wrong, in 10 to 5000 characters."
        );
        assert_eq!(en.get("no-such-key"), "no-such-key");
        let t = chrono::NaiveDate::from_ymd_opt(2026, 12, 2)
            .and_then(|d| d.and_hms_opt(22, 2, 0))
            .expect("a time");
        assert_eq!(en.date_time(t), "2 December 2026, 22:02 UTC");
        assert_eq!(es.date_time(t), "2 de diciembre de 2026, 22:02 UTC");
        assert_eq!(
            es.args("status-note-heading", &[("kind", "clarification".into())]),
            "La aclaración publicada"
        );
    }

    /// Every key the reader's pages and the embed name, written out or made from a code,
    /// exists in every catalogue.
    #[test]
    fn every_key_used_exists_in_every_language() {
        let sources = [
            include_str!("web/reader/mod.rs"),
            include_str!("web/reader/form.rs"),
            include_str!("../static/embed.js"),
            include_str!("../templates/reader/report.html"),
            include_str!("../templates/reader/sent.html"),
            include_str!("../templates/reader/status.html"),
            include_str!("../templates/reader/message.html"),
        ];
        let prefixes = [
            "report-",
            "category-",
            "kind-",
            "invalid-",
            "widget-",
            "form-",
            "sent-",
            "message-",
            "status-",
            "outcome-",
            "date-",
            "month-",
            "page-",
        ];
        let mut used: Vec<String> = Vec::new();
        for source in sources {
            for literal in source.split('"').skip(1).step_by(2) {
                let looks_like_key = prefixes.iter().any(|p| literal.starts_with(p))
                    && !literal.ends_with('-')
                    && literal.chars().all(|c| {
                        c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_'
                    });
                // The form's CSS class, not a message.
                if looks_like_key && literal != "report-form" {
                    used.push(literal.to_owned());
                }
            }
        }
        assert!(used.len() > 40, "keys were found: {used:?}");
        // Keys made from a code at run time.
        for c in crate::reports::Category::ALL {
            used.push(format!("category-{}", c.as_str()));
        }
        for k in crate::notes::NoteKind::ALL {
            used.push(format!("kind-{}", k.as_str()));
        }
        for r in ["corrected", "clarified", "no_error", "duplicate", "closed"] {
            used.push(format!("outcome-{r}"));
            used.push(format!("outcome-{r}-why"));
        }
        for m in 1..=12 {
            used.push(format!("month-{m}"));
        }
        for k in [
            "message-csrf",
            "message-which-article",
            "message-unknown-article",
            "message-unknown-status",
        ] {
            used.push(format!("{k}-title"));
        }
        for field in [
            "passage",
            "category",
            "description",
            "suggested_correction",
            "evidence_urls",
            "reporter_name",
            "reporter_email",
        ] {
            used.push(format!("invalid-{field}"));
        }
        for lang in Lang::ALL {
            let have = keys(lang);
            let missing: Vec<&String> = used.iter().filter(|k| !have.contains(k)).collect();
            assert!(missing.is_empty(), "{}: missing {missing:?}", lang.code());
        }
    }

    #[test]
    fn the_embed_gets_its_messages_with_slots_for_run_time_values() {
        let all = widget_catalogue();
        assert_eq!(all["es"]["widget-corrections"], "Correcciones");
        assert_eq!(all["en"]["report-title"], "Report an inaccuracy");
        assert_eq!(
            all["en"]["widget-not-sent"],
            "The report was not sent: {message}"
        );
        assert!(all["es"]["widget-too-many"]
            .as_str()
            .is_some_and(|s| s.contains("unos {minutes} min")));
        assert!(all["en"].get("status-progress").is_none(), "pages only");
        assert_eq!(
            all["en"].as_object().map(|m| m.len()),
            all["es"].as_object().map(|m| m.len())
        );
    }
}
