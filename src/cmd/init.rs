//! `postcal init`: scaffold a small calendar that validates clean.

use std::path::PathBuf;

use chrono::{Datelike, Duration, Utc, Weekday};
use miette::{Context, IntoDiagnostic, miette};

use super::Exit;
use crate::diag::suggest;
use crate::manifest::time::parse_timezone;
use crate::schema::{self, Which};

/// Create a new calendar: postcal.yaml, a posts/ directory with two example posts, a media/
/// directory with an example image, the JSON Schemas editors use to complete manifests, and
/// the editor setting that applies them to every post at any depth (.vscode/settings.json).
///
/// Nothing is overwritten: if any of these files exists, postcal init stops before writing.
/// The account ids in postcal.yaml are placeholders: `postcal validate` warns until they are
/// replaced by your accounts' ids.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Where to create the calendar (created if missing).
    #[arg(default_value = ".")]
    pub dir: PathBuf,
    /// IANA timezone posts are scheduled in (`Europe/Paris`); this machine's by default.
    #[arg(long)]
    pub timezone: Option<String>,
}

/// Where the calendar's timezone came from, to say so.
enum Origin {
    Given,
    Machine,
    Unknown,
}

/// This machine's IANA timezone: `TZ`, else `/etc/timezone`, else where `/etc/localtime`
/// links into the zoneinfo database.
fn machine_timezone() -> Option<String> {
    let valid = |name: &str| {
        parse_timezone(name.trim())
            .ok()
            .map(|tz| tz.name().to_owned())
    };
    if let Some(name) = std::env::var("TZ")
        .ok()
        .and_then(|tz| valid(tz.trim_start_matches(':')))
    {
        return Some(name);
    }
    if let Some(name) = std::fs::read_to_string("/etc/timezone")
        .ok()
        .and_then(|text| valid(&text))
    {
        return Some(name);
    }
    let link = std::fs::read_link("/etc/localtime").ok()?;
    let (_, name) = link.to_str()?.split_once("zoneinfo/")?;
    valid(name)
}

pub fn run(args: Args) -> miette::Result<Exit> {
    let (name, origin) = match args.timezone {
        Some(name) => (name, Origin::Given),
        None => match machine_timezone() {
            Some(name) => (name, Origin::Machine),
            None => ("UTC".to_owned(), Origin::Unknown),
        },
    };
    let tz = parse_timezone(&name).map_err(|e| {
        let help = match suggest::closest(&name, chrono_tz::TZ_VARIANTS.iter().map(|t| t.name())) {
            Some(near) => format!("did you mean `{near}`?"),
            None => "use an IANA name such as `Europe/Paris`, `America/New_York` or `UTC`".into(),
        };
        super::usage(format!("--timezone: {e}"), Some(help))
    })?;
    let files = scaffold(&name, tz)?;
    let conflicts: Vec<String> = files
        .iter()
        .map(|(rel, _)| args.dir.join(rel))
        .filter(|p| p.exists())
        .map(|p| p.display().to_string())
        .collect();
    if !conflicts.is_empty() {
        return Err(miette!(
            help = "choose an empty directory, or move these files away first",
            "not creating a calendar in {}: {} already exist{}",
            args.dir.display(),
            conflicts.join(", "),
            if conflicts.len() == 1 { "s" } else { "" }
        ));
    }
    for (rel, contents) in &files {
        let path = args.dir.join(rel);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)
                .into_diagnostic()
                .wrap_err_with(|| format!("cannot create {}", parent.display()))?;
        }
        std::fs::write(&path, contents)
            .into_diagnostic()
            .wrap_err_with(|| format!("cannot write {}", path.display()))?;
    }
    let shown = args.dir.display();
    let mut out = format!("Created a calendar in {shown}:\n");
    for (rel, _) in &files {
        out.push_str(&format!("  {rel}\n"));
    }
    out.push_str(&match origin {
        Origin::Given => format!("\nTimezone: {name}.\n"),
        Origin::Machine => format!(
            "\nTimezone: {name}, this machine's (`--timezone`, or `timezone:` in postcal.yaml, \
             sets another).\n"
        ),
        Origin::Unknown => format!(
            "\nTimezone: {name}: this machine's could not be read. Set yours with `timezone:` in \
             postcal.yaml (e.g. `Europe/Paris`).\n"
        ),
    });
    out.push_str(&format!(
        "\nNext:\n  1. In postcal.yaml, replace the placeholder account ids with your accounts' \
         ids (`postcal validate` warns until you do).\n  2. postcal validate {shown}\n  3. \
         postcal plan {shown}\n"
    ));
    super::output::print(&out)?;
    Ok(Exit::Clean)
}

/// The files of a new calendar, as (relative path, contents).
fn scaffold(tz_name: &str, tz: chrono_tz::Tz) -> miette::Result<Vec<(String, Vec<u8>)>> {
    // The first example post goes out next Monday at 09:00, the second a day later.
    let today = Utc::now().with_timezone(&tz).date_naive();
    let days_to_monday = 7 - i64::from(today.weekday().num_days_from_monday());
    let monday = today + Duration::days(days_to_monday);
    debug_assert_eq!(monday.weekday(), Weekday::Mon);
    let tuesday = monday + Duration::days(1);
    let config = format!(
        "# yaml-language-server: $schema=schemas/config.schema.json\n\
         # postcal settings: see `postcal schema config` for every field.\n\
         timezone: {tz_name}\n\
         posts: posts\n\
         media: media\n\
         defaults:\n  \
           # A post more than this late (postcal was down at its time) is reported, not published.\n  \
           max_lateness: 1h\n\
         accounts:\n  \
           # platform/name: the platform's id for the account. Replace each placeholder with\n  \
           # your account's id (`postcal validate` warns until you do).\n  \
           instagram/brand: {{ id: REPLACE-WITH-THE-INSTAGRAM-USER-ID }}\n  \
           threads/brand: {{ id: REPLACE-WITH-THE-THREADS-USER-ID }}\n  \
           facebook/brand-page: {{ id: REPLACE-WITH-THE-FACEBOOK-PAGE-ID }}\n  \
           # TikTok needs no id (the login identifies the creator); say whether the account\n  \
           # is private, which decides who may see its posts.\n  \
           tiktok/brand: {{ private: false }}\n"
    );
    let welcome = format!(
        "# yaml-language-server: $schema=../schemas/post.schema.json\n\
         id: welcome\n\
         at: {monday} 09:00\n\
         text: |\n  \
           Hello from our content calendar! Every post here is a YAML file, reviewed like code.\n\
         targets:\n  \
           threads/brand: {{ topic_tag: calendars }}\n  \
           facebook/brand-page: {{}}\n"
    );
    let photo = format!(
        "# yaml-language-server: $schema=../schemas/post.schema.json\n\
         id: first-photo\n\
         at: {tuesday} 12:30\n\
         text: |\n  \
           Our first photo post. #behindthescenes\n\
         media:\n  \
           - file: media/welcome.jpg\n    \
             alt: A soft blue gradient\n\
         targets:\n  \
           instagram/brand: {{ kind: feed }}\n  \
           # SELF_ONLY: only you see it until you choose another privacy level.\n  \
           tiktok/brand: {{ privacy: SELF_ONLY }}\n"
    );
    // Editors apply the schemas to every post at any depth (the modeline at the top of each
    // file only works where its relative path is right).
    let vscode = "{\n  \"yaml.schemas\": {\n    \"./schemas/post.schema.json\": [\"posts/**/*.yaml\", \
                  \"posts/**/*.yml\"],\n    \"./schemas/config.schema.json\": [\"postcal.yaml\"]\n  \
                  }\n}\n";
    Ok(vec![
        ("postcal.yaml".into(), config.into_bytes()),
        ("posts/welcome.yaml".into(), welcome.into_bytes()),
        ("posts/first-photo.yaml".into(), photo.into_bytes()),
        ("media/welcome.jpg".into(), example_jpeg()?),
        (
            format!("schemas/{}", Which::Post.file_name()),
            schema::render(Which::Post).into_bytes(),
        ),
        (
            format!("schemas/{}", Which::Config.file_name()),
            schema::render(Which::Config).into_bytes(),
        ),
        (".vscode/settings.json".into(), vscode.as_bytes().to_vec()),
        (
            ".gitignore".into(),
            b"# postcal's state (sled database, staged media): never commit it.\n.postcal/\n"
                .to_vec(),
        ),
    ])
}

/// A 1080×1350 (4:5) JPEG gradient: a valid Instagram feed image.
fn example_jpeg() -> miette::Result<Vec<u8>> {
    let (w, h) = (1080u32, 1350u32);
    let mut pixels = Vec::with_capacity((w * h * 3) as usize);
    for y in 0..h {
        for x in 0..w {
            pixels.extend_from_slice(&[(40 + x * 60 / w) as u8, (90 + y * 80 / h) as u8, 200]);
        }
    }
    let mut out = Vec::new();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, 70)
        .encode(&pixels, w, h, image::ExtendedColorType::Rgb8)
        .into_diagnostic()
        .wrap_err("cannot encode the example image")?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::manifest::LoadOptions;
    use crate::rules::validation::validate;

    fn init(dir: &std::path::Path) -> miette::Result<Exit> {
        run(Args {
            dir: dir.to_path_buf(),
            timezone: Some("Europe/Paris".into()),
        })
    }

    #[test]
    fn scaffolded_calendar_validates_with_only_the_placeholder_warnings() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("cal");
        assert_eq!(init(&dir).unwrap(), Exit::Clean);
        let validation = validate(&dir, &LoadOptions::default()).unwrap();
        let problems: Vec<_> = validation
            .diagnostics
            .iter()
            .map(|d| (d.code, d.message.clone()))
            .collect();
        assert_eq!(validation.summary.errors, 0, "{problems:?}");
        assert!(
            problems
                .iter()
                .all(|(code, _)| *code == crate::diag::Code::ConfigPlaceholderAccountId),
            "{problems:?}"
        );
        assert_eq!(
            problems.len(),
            3,
            "instagram, threads and facebook: {problems:?}"
        );
        assert_eq!(validation.summary.posts, 2);
        let manifest = std::fs::read_to_string(dir.join("posts/welcome.yaml")).unwrap();
        assert!(
            manifest.starts_with("# yaml-language-server: $schema=../schemas/post.schema.json\n")
        );
        assert!(dir.join("schemas/post.schema.json").is_file());
        let config = std::fs::read_to_string(dir.join("postcal.yaml")).unwrap();
        assert!(config.contains("tiktok/brand:"), "{config}");
        let editor: serde_json::Value =
            serde_json::from_slice(&std::fs::read(dir.join(".vscode/settings.json")).unwrap())
                .unwrap();
        assert_eq!(
            editor["yaml.schemas"]["./schemas/post.schema.json"][0],
            "posts/**/*.yaml"
        );
    }

    #[test]
    fn refuses_to_overwrite_anything() {
        let tmp = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(tmp.path().join("posts")).unwrap();
        std::fs::write(tmp.path().join("posts/welcome.yaml"), "mine").unwrap();
        let err = init(tmp.path()).unwrap_err();
        assert!(err.to_string().contains("posts/welcome.yaml"), "{err}");
        assert_eq!(
            std::fs::read_to_string(tmp.path().join("posts/welcome.yaml")).unwrap(),
            "mine"
        );
        assert!(
            !tmp.path().join("postcal.yaml").exists(),
            "wrote files despite the conflict"
        );
    }

    #[test]
    fn a_misspelt_timezone_is_a_usage_error_with_a_suggestion() {
        let tmp = tempfile::tempdir().unwrap();
        let err = run(Args {
            dir: tmp.path().into(),
            timezone: Some("Europe/Pariss".into()),
        })
        .unwrap_err();
        assert!(err.downcast_ref::<super::super::UsageError>().is_some());
        assert!(err.to_string().contains("IANA"), "{err}");
        let help = err.help().map(|h| h.to_string()).unwrap_or_default();
        assert_eq!(help, "did you mean `Europe/Paris`?");
    }
}
