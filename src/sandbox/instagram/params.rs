//! Instagram container parameters: which kind of container a request asks for and the
//! documented rules of its options (docs/platform-rules.md §1.2).

use std::collections::BTreeMap;

use serde_json::{Value, json};

use crate::sandbox::container::Kind;
use crate::sandbox::errors::GraphError;
use crate::sandbox::graph::GraphCall;
use crate::sandbox::text;

/// What the request asks to create (docs/platform-rules.md §1.2 "Container types").
pub(super) fn container_kind(call: &GraphCall) -> Result<(Kind, bool), GraphError> {
    let p = &call.params;
    let item = p.bool("is_carousel_item")?.unwrap_or(false);
    // The documented values are upper case; `reels` is refused like any unknown value.
    let media_type = p.text("media_type");
    let unsupported = |why: &str| GraphError::invalid_param(why).subcode(2207023);
    let kind = match (media_type, item) {
        (None | Some("IMAGE"), _) => Kind::Image,
        (Some("VIDEO"), true) => Kind::Video,
        // docs/platform-rules.md §1.2 "Single feed video": not accepted since 2023-11-09.
        (Some("VIDEO"), false) => {
            return Err(unsupported(
                "The VIDEO media type is no longer supported for single posts; use REELS",
            ));
        }
        (Some("REELS"), true) => {
            return Err(unsupported(
                "REELS is not allowed inside a carousel; use VIDEO with is_carousel_item",
            ));
        }
        (Some("STORIES"), true) => return Err(unsupported("STORIES cannot be a carousel item")),
        (Some("CAROUSEL"), true) => {
            return Err(unsupported("A CAROUSEL cannot be a carousel item"));
        }
        (Some("REELS"), false) => Kind::Reels,
        (Some("STORIES"), false) => Kind::Stories,
        (Some("CAROUSEL"), false) => Kind::Carousel,
        (Some(other), _) => {
            return Err(unsupported(&format!(
                "The media type {other} is not supported"
            )));
        }
    };
    Ok((kind, item))
}

/// docs/platform-rules.md §1.2 "Parameter" rows checked at creation; returns the options to
/// remember.
pub(super) fn check_options(
    call: &GraphCall,
    kind: Kind,
    item: bool,
    is_video: bool,
) -> Result<BTreeMap<String, Value>, GraphError> {
    let p = &call.params;
    let mut opts = BTreeMap::new();
    let only = |cond: bool, name: &str, what: &str| {
        if p.contains(name) && !cond {
            Err(GraphError::invalid_param(format!(
                "Param {name} is only supported for {what}"
            )))
        } else {
            Ok(())
        }
    };
    if let Some(caption) = p.text("caption") {
        if item {
            return Err(GraphError::invalid_param(
                "Param caption is not supported on carousel items",
            ));
        }
        // docs/platform-rules.md §1.2 `caption`: 2,200 chars, 30 hashtags, 20 @-tags → 2207010.
        let (n, tags, ats) = (
            caption.chars().count(),
            text::hashtags(caption),
            text::mentions(caption),
        );
        if n > 2200 || tags > 30 || ats > 20 {
            let why = format!(
                "The caption has {n} characters, {tags} hashtags and {ats} @-tags; the limits are 2200, 30 and 20"
            );
            return Err(GraphError::new(36004, why).subcode(2207010));
        }
    }
    only(
        kind == Kind::Image || (kind == Kind::Stories && !is_video),
        "alt_text",
        "images",
    )?;
    if let Some(alt) = p.text("alt_text") {
        if alt.chars().count() > 1000 {
            return Err(GraphError::invalid_param(
                "Param alt_text must be at most 1000 characters",
            ));
        }
        opts.insert("alt_text".into(), json!(alt));
    }
    only(
        kind != Kind::Stories,
        "collaborators",
        "feed posts, reels and carousels",
    )?;
    if let Some(c) = p.list("collaborators")? {
        if c.len() > 3 {
            return Err(GraphError::invalid_param(
                "Param collaborators must have at most 3 usernames",
            ));
        }
        opts.insert("collaborators".into(), json!(c));
    }
    if let Some(raw) = p.text("user_tags") {
        opts.insert("user_tags".into(), user_tags(raw, kind == Kind::Image)?);
    }
    only(kind == Kind::Reels, "cover_url", "reels")?;
    only(
        matches!(kind, Kind::Reels | Kind::Video) || (kind == Kind::Stories && is_video),
        "thumb_offset",
        "videos",
    )?;
    // docs/platform-rules.md §1.2 `cover_url`: it wins over `thumb_offset`, which is then ignored.
    if let Some(t) = p.int("thumb_offset")?
        && p.text("cover_url").is_none()
    {
        opts.insert("thumb_offset".into(), json!(t));
    }
    only(
        matches!(kind, Kind::Reels | Kind::Carousel),
        "share_to_feed",
        "reels and carousels",
    )?;
    if let Some(s) = p.bool("share_to_feed")? {
        opts.insert("share_to_feed".into(), json!(s));
    }
    for name in ["location_id", "is_ai_generated", "product_tags"] {
        if item && p.contains(name) {
            return Err(GraphError::invalid_param(format!(
                "Param {name} is not supported on carousel items"
            )));
        }
    }
    only(kind == Kind::Reels, "trial_params", "reels")?;
    for name in [
        "cover_url",
        "location_id",
        "audio_name",
        "trial_params",
        "product_tags",
    ] {
        if let Some(v) = p.text(name) {
            opts.insert(name.into(), json!(v));
        }
    }
    if let Some(v) = p.bool("is_ai_generated")? {
        opts.insert("is_ai_generated".into(), json!(v));
    }
    Ok(opts)
}

/// docs/platform-rules.md §1.2 `user_tags`: a JSON array of `{username, x, y}`, x/y in 0.0–1.0,
/// required for images.
pub(super) fn user_tags(raw: &str, image: bool) -> Result<Value, GraphError> {
    let bad = |why: &str| GraphError::invalid_param(format!("Param user_tags {why}"));
    let Ok(Value::Array(tags)) = serde_json::from_str::<Value>(raw) else {
        return Err(bad("must be a JSON array"));
    };
    for tag in &tags {
        if !tag.get("username").is_some_and(Value::is_string) {
            return Err(bad("entries need a username"));
        }
        for axis in ["x", "y"] {
            match tag.get(axis).map(Value::as_f64) {
                Some(Some(v)) if (0.0..=1.0).contains(&v) => {}
                Some(_) => return Err(bad(&format!("{axis} must be a number from 0.0 to 1.0"))),
                None if image => return Err(bad(&format!("entries need {axis} on images"))),
                None => {}
            }
        }
    }
    Ok(Value::Array(tags))
}
