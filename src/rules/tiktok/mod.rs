//! TikTok rules (docs/platform-rules.md §2): a target is a video post (one video) or a photo post
//! (1 to 35 photos), never both; privacy must be chosen, and allowed for the account.
//!
//! **Counting unit**: UTF-16 units (TT-DP, TT-PHOTO). A video's caption is the post's `text`
//! (≤2,200); a photo post has a `title` (≤90) and the `text` as its description (≤4,000).
//!
//! **Longest video**: TikTok reports each creator's cap (`max_video_post_duration_sec`, §2.2);
//! postcal reads it from the account's `max_video_duration`. Without it postcal assumes 180 s,
//! the cap every creator has (TT-CSG), rather than the API's 10 minutes (§2.4), which most
//! creators cannot use: refusing a long video early is better than failing at publish time.
//! A larger account value is capped at the API's 600 s.
//!
//! **Unclear or unverified**: the 3 s minimum comes from clients only (§2.4), and "≤1080p" for
//! photos does not say how it applies to other shapes: both are warnings.
//!
//! The numbers are in [`limits::LIMITS`].

mod limits;

pub use limits::{LIMITS, Limits};

use super::limits::{Limit, check_image, check_video, duration, n, plural};
use super::{MediaItem, TargetCtx};
use crate::diag::{Code, Diagnostic, Diagnostics, Span};
use crate::manifest::{Account, TiktokOptions, TiktokPrivacy};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Video,
    Photo,
}

pub fn check(cx: &TargetCtx, options: &TiktokOptions, diags: &mut Diagnostics) {
    check_privacy(cx, options, diags);
    let kind = check_media(cx, diags);
    let Some(kind) = kind else { return };
    check_text(cx, options, kind, diags);
    check_options(cx, options, kind, diags);
    for item in &cx.media {
        match kind {
            Kind::Video => {
                check_video(&LIMITS.video, item, diags);
                check_video_length(cx, item, diags);
            }
            Kind::Photo => check_image(&LIMITS.photo, item, diags),
        }
    }
}

/// Privacy levels TikTok offers a creator (§2.2 `privacy_level_options`).
pub fn allowed_privacy(private: bool) -> [TiktokPrivacy; 3] {
    use TiktokPrivacy::*;
    if private {
        [FollowerOfCreator, MutualFollowFriends, SelfOnly]
    } else {
        [PublicToEveryone, MutualFollowFriends, SelfOnly]
    }
}

fn is_private(account: Option<&Account>) -> bool {
    account
        .and_then(|a| a.tiktok_private.as_ref())
        .is_some_and(|p| p.value)
}

fn check_privacy(cx: &TargetCtx, options: &TiktokOptions, diags: &mut Diagnostics) {
    let private = is_private(cx.account);
    let allowed = allowed_privacy(private);
    let allowed_list = crate::yaml::read::list(&allowed.map(TiktokPrivacy::keyword));
    let Some(privacy) = &options.privacy else {
        if !options.privacy_unreadable {
            diags.push(
                Diagnostic::error(
                    Code::TiktokPrivacyMissing,
                    format!("{} has no `privacy`; TikTok requires choosing who can see each post (there is no default)", cx.key()),
                )
                .at(cx.target_span(), "`privacy` missing")
                .help(format!("add `privacy:` with one of {allowed_list} (the levels {} allows)", cx.key())),
            );
        }
        return;
    };
    if cx.account.is_some() && !allowed.contains(&privacy.value) {
        let (kind, other) = if private {
            ("private", "public")
        } else {
            ("public", "private")
        };
        let mut d = Diagnostic::error(
            Code::TiktokPrivacyNotAllowed,
            format!(
                "`{}` is not possible on a {kind} TikTok account, and {} is {kind}",
                privacy.value,
                cx.key()
            ),
        )
        .at(privacy.span, format!("not offered to {kind} accounts"))
        .help(format!(
            "use one of {allowed_list}; if the account is {other}, set `private: {}` on {} in postcal.yaml",
            !private,
            cx.key()
        ));
        if let Some(p) = cx.account.and_then(|a| a.tiktok_private.as_ref()) {
            d = d.related(p.span, "the account's privacy");
        }
        diags.push(d);
    }
    if let Some(brand) = &options.brand_content
        && brand.value
        && privacy.value == TiktokPrivacy::SelfOnly
    {
        diags.push(
            Diagnostic::error(
                Code::TiktokBrandedSelfOnly,
                "branded content (`brand_content: true`) cannot be `SELF_ONLY` on TikTok",
            )
            .at(privacy.span, "only visible to the creator")
            .related(brand.span, "branded content")
            .help("choose a privacy others can see, or remove `brand_content`"),
        );
    }
}

/// Count and mixing; the kind of post when it is clear.
fn check_media(cx: &TargetCtx, diags: &mut Diagnostics) -> Option<Kind> {
    if cx.media.is_empty() {
        diags.push(
            Diagnostic::error(
                Code::TiktokNoMedia,
                format!(
                    "{} has no media; a TikTok post is one video or 1 to 35 photos",
                    cx.key()
                ),
            )
            .at(cx.media_span(), "no video or photos")
            .help(format!(
                "add `media:` to the post, or give {} its own `media`",
                cx.key()
            )),
        );
        return None;
    }
    let (videos, photos) = (cx.videos(), cx.images());
    if videos > 0 && photos > 0 {
        diags.push(
            Diagnostic::error(
                Code::TiktokMixedMedia,
                format!(
                    "{} mixes {} and {}; a TikTok post is one video or photos only",
                    cx.key(),
                    plural(videos, "video"),
                    plural(photos, "photo")
                ),
            )
            .at(cx.media_span(), "videos and photos together")
            .help(format!(
                "give {} its own `media` with only the video or only the photos",
                cx.key()
            )),
        );
        return None;
    }
    if videos > 1 {
        diags.push(
            Diagnostic::error(
                Code::TiktokVideoCount,
                format!(
                    "{} has {videos} videos; a TikTok video post takes one",
                    cx.key()
                ),
            )
            .at(cx.media_span(), format!("{videos} videos"))
            .help("post each video on its own"),
        );
    }
    let limit = &LIMITS.photos;
    if photos > limit.value.1 {
        diags.push(limit.report(
            format!(
                "{} has {photos} photos; TikTok takes {} to {}",
                cx.key(),
                limit.value.0,
                limit.value.1
            ),
            cx.media_span(),
            format!("{photos} photos"),
            "remove some, or split them into two posts",
        ));
    }
    if !cx.media_known() {
        return None;
    }
    Some(if videos > 0 { Kind::Video } else { Kind::Photo })
}

/// The account's longest video (ms), and the limit to report with.
fn max_video_ms(account: Option<&Account>) -> (u64, &'static Limit<u64>, Option<Span>) {
    let api = &LIMITS.api_max_video_ms;
    match account.and_then(|a| a.tiktok_max_video_duration.as_ref()) {
        Some(max) if u64::from(max.value) * 1000 <= api.value => (
            u64::from(max.value) * 1000,
            &LIMITS.default_max_video_ms,
            Some(max.span),
        ),
        Some(max) => (api.value, api, Some(max.span)),
        None => (
            LIMITS.default_max_video_ms.value,
            &LIMITS.default_max_video_ms,
            None,
        ),
    }
}

fn check_video_length(cx: &TargetCtx, item: &MediaItem, diags: &mut Diagnostics) {
    let Some(video) = item.info.and_then(|i| i.video()) else {
        return;
    };
    let (max, limit, account_span) = max_video_ms(cx.account);
    if video.duration_ms <= max {
        return;
    }
    let file = &item.reference.file;
    let help = match account_span {
        Some(_) if max == LIMITS.api_max_video_ms.value => format!(
            "trim it to {} or less: TikTok's API takes no longer video",
            duration(max)
        ),
        Some(_) => format!(
            "trim it to {} or less (the account's `max_video_duration`)",
            duration(max)
        ),
        None => format!(
            "trim it to {} or less; if TikTok lets this creator post longer videos (creator_info `max_video_post_duration_sec`), set `max_video_duration:` in seconds on {} in postcal.yaml",
            duration(max),
            cx.key()
        ),
    };
    let mut d = limit.with_value(max).report(
        format!(
            "`{}` is {} long; {} may post videos of at most {}",
            file.value,
            duration(video.duration_ms),
            cx.key(),
            duration(max)
        ),
        file.span,
        "too long",
        help,
    );
    if let Some(span) = account_span {
        d = d.related(span, "the account's longest video");
    }
    diags.push(d);
}

fn check_text(cx: &TargetCtx, options: &TiktokOptions, kind: Kind, diags: &mut Diagnostics) {
    let l = &LIMITS;
    let units = |s: &str| super::text::utf16_units(s);
    if let Some(text) = cx.text {
        let (limit, what) = match kind {
            Kind::Video => (&l.caption, "caption"),
            Kind::Photo => (&l.description, "description"),
        };
        let found = units(&text.value);
        if found > limit.value {
            diags.push(limit.report(
                format!(
                    "{what} has {} characters (UTF-16 units: most emoji count 2); TikTok allows {}",
                    n(found),
                    n(limit.value)
                ),
                text.span,
                format!("{} characters", n(found)),
                cx.shorten_help(),
            ));
        }
    }
    if let (Some(title), Kind::Photo) = (&options.title, kind) {
        let found = units(&title.value);
        if found > l.title.value {
            diags.push(l.title.report(
                format!(
                    "title has {} characters (UTF-16 units); TikTok photo titles allow {}",
                    n(found),
                    l.title.value
                ),
                title.span,
                format!("{} characters", n(found)),
                "shorten it; the rest can go in the description (`text`)",
            ));
        }
    }
}

fn check_options(cx: &TargetCtx, o: &TiktokOptions, kind: Kind, diags: &mut Diagnostics) {
    let spans = |list: [(&'static str, Option<Span>); 3]| {
        list.into_iter()
            .filter_map(|(name, span)| span.map(|s| (name, s)))
            .collect::<Vec<_>>()
    };
    let (wrong, only, is) = match kind {
        Kind::Photo => (
            spans([
                ("allow_duet", o.allow_duet.as_ref().map(|v| v.span)),
                ("allow_stitch", o.allow_stitch.as_ref().map(|v| v.span)),
                (
                    "cover_timestamp",
                    o.cover_timestamp.as_ref().map(|v| v.span),
                ),
            ]),
            "videos",
            "a photo post",
        ),
        Kind::Video => (
            spans([
                ("title", o.title.as_ref().map(|v| v.span)),
                (
                    "photo_cover_index",
                    o.photo_cover_index.as_ref().map(|v| v.span),
                ),
                ("auto_add_music", o.auto_add_music.as_ref().map(|v| v.span)),
            ]),
            "photo posts",
            "a video post",
        ),
    };
    for (name, span) in wrong {
        let help = if name == "title" {
            "a video's caption is the `text`: move the title there".to_owned()
        } else {
            format!("remove `{name}`")
        };
        diags.push(
            Diagnostic::error(
                Code::TiktokOptionNotForKind,
                format!("`{name}` is only for {only}; {} is {is}", cx.key()),
            )
            .at(span, format!("not for {is}"))
            .help(help),
        );
    }
    if let (Kind::Photo, Some(index)) = (kind, &o.photo_cover_index) {
        let count = cx.media.len();
        if index.value as usize >= count {
            diags.push(
                Diagnostic::error(
                    Code::TiktokCoverIndex,
                    format!(
                        "`photo_cover_index` is {} but {} has {} (indexes 0 to {})",
                        index.value,
                        cx.key(),
                        plural(count, "photo"),
                        count - 1
                    ),
                )
                .at(index.span, "no such photo")
                .related(cx.media_span(), "the photos")
                .help("count from 0: the first photo is 0"),
            );
        }
    }
    if let (Kind::Video, Some(at), [item]) = (kind, &o.cover_timestamp, cx.media.as_slice())
        && let Some(video) = item.info.and_then(|i| i.video())
        && at.value >= video.duration_ms
    {
        diags.push(
            Diagnostic::warning(
                Code::TiktokCoverTimestampIgnored,
                format!(
                    "`cover_timestamp` is {} ms but `{}` is {} ms long; TikTok then uses the first frame",
                    n(at.value as usize),
                    item.reference.file.value,
                    n(video.duration_ms as usize)
                ),
            )
            .at(at.span, "after the end of the video")
            .help(format!("pick a time below {} ms", n(video.duration_ms as usize))),
        );
    }
}
