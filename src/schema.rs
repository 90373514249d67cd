//! JSON Schemas of the post manifest and `postcal.yaml`, generated from the Rust types (one
//! source of truth). Editors use them through the `# yaml-language-server: $schema=...` modeline
//! to complete and explain fields; `schemas/` holds the committed copies, and a test fails when
//! they are stale (regenerate with `postcal schema --write schemas`).

use crate::manifest::{Config, Post};

/// Which schema.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Which {
    /// A post manifest (`posts/**/*.yaml`).
    Post,
    /// The calendar settings (`postcal.yaml`).
    Config,
}

impl Which {
    pub const ALL: [Which; 2] = [Which::Post, Which::Config];

    /// The file name under `schemas/`.
    pub fn file_name(self) -> &'static str {
        match self {
            Self::Post => "post.schema.json",
            Self::Config => "config.schema.json",
        }
    }
}

/// The schema as pretty-printed JSON with a trailing newline (the committed form).
pub fn render(which: Which) -> String {
    let schema = match which {
        Which::Post => schemars::schema_for!(Post),
        Which::Config => schemars::schema_for!(Config),
    };
    // A schema is plain JSON data: serialising it cannot fail.
    serde_json::to_string_pretty(&schema).unwrap_or_default() + "\n"
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn committed_schemas_are_current() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("schemas");
        for which in Which::ALL {
            let path = dir.join(which.file_name());
            let committed = std::fs::read_to_string(&path).unwrap_or_default();
            assert!(
                committed == render(which),
                "{} is stale: run `cargo run -- schema --write schemas` and commit the result",
                path.display()
            );
        }
    }

    #[test]
    fn post_schema_explains_fields_and_platform_options() {
        let schema: serde_json::Value = serde_json::from_str(&render(Which::Post)).unwrap();
        let props = &schema["properties"];
        assert!(
            props["at"]["description"]
                .as_str()
                .unwrap()
                .contains("local time")
        );
        assert_eq!(
            schema["required"],
            serde_json::json!(["id", "at", "targets"])
        );
        assert_eq!(schema["additionalProperties"], serde_json::json!(false));
        let patterns = &props["targets"]["patternProperties"];
        assert!(
            patterns["^tiktok/[^/]+$"]
                .to_string()
                .contains("TiktokOptions")
        );
        let privacy = &schema["$defs"]["TiktokPrivacy"];
        assert!(
            privacy.to_string().contains("PUBLIC_TO_EVERYONE"),
            "{privacy}"
        );
    }

    /// Every key the hand-written readers accept is in the schema and the other way round, so
    /// the schema and `postcal validate` never disagree about which fields exist.
    #[test]
    fn schema_fields_match_the_readers() {
        use crate::diag::{Diagnostics, SourceMap};
        let post: serde_json::Value = serde_json::from_str(&render(Which::Post)).unwrap();
        let defs = &post["$defs"];
        let cases = [
            (
                &post,
                "post",
                "id: x\nat: 2026-12-01 09:00\ntargets: {facebook/a: {}}\n",
            ),
            (
                &defs["InstagramOptions"],
                "instagram options",
                "id: x\nat: 2026-12-01 09:00\ntargets: {instagram/a: {zz: 1}}\n",
            ),
            (
                &defs["TiktokOptions"],
                "tiktok options",
                "id: x\nat: 2026-12-01 09:00\ntargets: {tiktok/a: {zz: 1}}\n",
            ),
            (
                &defs["ThreadsOptions"],
                "threads options",
                "id: x\nat: 2026-12-01 09:00\ntargets: {threads/a: {zz: 1}}\n",
            ),
            (
                &defs["FacebookOptions"],
                "facebook options",
                "id: x\nat: 2026-12-01 09:00\ntargets: {facebook/a: {zz: 1}}\n",
            ),
        ];
        for (schema, what, yaml) in cases {
            // Ask the reader for an unknown field: its help lists every field it knows.
            let text = if what == "post" {
                format!("{yaml}zz: 1\n")
            } else {
                yaml.to_owned()
            };
            let mut sources = SourceMap::new();
            let id = sources.add("t.yaml", text.as_str());
            let mut diags = Diagnostics::new();
            let node = &crate::yaml::parse(&text).unwrap()[0];
            let origin = crate::manifest::Origin {
                source: id,
                path: "t.yaml".into(),
                document: 0,
                span: crate::diag::Span::new(id, 0, text.len()),
            };
            let mut cx = crate::yaml::Cx::new(id, &text, &mut diags);
            crate::manifest::Post::read(node, origin, &mut cx);
            let help = diags
                .iter()
                .find(|d| d.code == crate::diag::Code::ManifestUnknownField)
                .and_then(|d| d.help.clone())
                .unwrap_or_default();
            let mut reader: Vec<String> = help
                .split('`')
                .skip(1)
                .step_by(2)
                .map(str::to_owned)
                .collect();
            reader.sort();
            let mut schema_keys: Vec<String> = schema["properties"]
                .as_object()
                .unwrap()
                .keys()
                .cloned()
                .collect();
            schema_keys.sort();
            assert_eq!(reader, schema_keys, "{what}");
        }
    }
}
