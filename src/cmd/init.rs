//! `postcal init`: scaffold a small calendar that validates clean.

use std::path::PathBuf;

use chrono::{Datelike, Duration, Utc, Weekday};
use miette::{Context, IntoDiagnostic, miette};

use super::Exit;
use crate::schema::{self, Which};

/// Create a new calendar: postcal.yaml, a posts/ directory with two example posts, a media/
/// directory with an example image, and the JSON Schemas editors use to complete manifests.
///
/// Nothing is overwritten: if any of these files exists, postcal init stops before writing.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Where to create the calendar (created if missing).
    #[arg(default_value = ".")]
    pub dir: PathBuf,
    /// IANA timezone posts are scheduled in.
    #[arg(long, default_value = "UTC")]
    pub timezone: String,
}

pub fn run(args: Args) -> miette::Result<Exit> {
    let tz = crate::manifest::time::parse_timezone(&args.timezone)
        .map_err(|e| miette!("{e}; use a name such as Europe/Paris or America/New_York"))?;
    let files = scaffold(&args.timezone, tz)?;
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
    out.push_str(&format!(
        "\nNext: edit postcal.yaml (your accounts), then run `postcal validate {shown}`.\n"
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
           # platform/name: the platform's id for the account.\n  \
           instagram/brand: {{ id: \"17841400000000000\" }}\n  \
           threads/brand: {{ id: \"17841400000000001\" }}\n  \
           facebook/brand-page: {{ id: \"100000000000000\" }}\n"
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
           instagram/brand: {{ kind: feed }}\n"
    );
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
            timezone: "Europe/Paris".into(),
        })
    }

    #[test]
    fn scaffolded_calendar_validates_clean() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("cal");
        assert_eq!(init(&dir).unwrap(), Exit::Clean);
        let validation = validate(&dir, &LoadOptions::default()).unwrap();
        let problems: Vec<_> = validation
            .diagnostics
            .iter()
            .map(|d| (d.code, d.message.clone()))
            .collect();
        assert!(problems.is_empty(), "{problems:?}");
        assert_eq!(validation.summary.posts, 2);
        let manifest = std::fs::read_to_string(dir.join("posts/welcome.yaml")).unwrap();
        assert!(
            manifest.starts_with("# yaml-language-server: $schema=../schemas/post.schema.json\n")
        );
        assert!(dir.join("schemas/post.schema.json").is_file());
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
    fn rejects_unknown_timezone() {
        let tmp = tempfile::tempdir().unwrap();
        let err = run(Args {
            dir: tmp.path().into(),
            timezone: "Europe/Pariss".into(),
        })
        .unwrap_err();
        assert!(err.to_string().contains("IANA"), "{err}");
    }
}
