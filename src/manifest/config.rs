//! `postcal.yaml`: the calendar's settings and accounts.

use schemars::JsonSchema;
use serde::Serialize;

use super::targets::parse_target_key;
use crate::diag::{Code, Diagnostic, Span};
use crate::keyword_enum;
use crate::platform::Platform;
use crate::yaml::{Cx, Fields, Node, NodeKind, Sp};

/// Default for `defaults.max_lateness`.
pub const DEFAULT_MAX_LATENESS: &str = "1h";

/// The calendar's settings.
#[derive(Debug, Clone, Serialize, JsonSchema)]
#[schemars(
    title = "postcal calendar settings (postcal.yaml)",
    deny_unknown_fields
)]
pub struct Config {
    /// IANA timezone posts are scheduled in unless they say otherwise, e.g. `Europe/Paris`.
    pub timezone: Sp<String>,
    /// Directory of post manifests, relative to the calendar root (default `posts`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub posts: Option<Sp<String>>,
    /// Directory of media files, relative to the calendar root (default `media`). Manifests
    /// refer to media by paths relative to the calendar root, e.g. `media/launch.jpg`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub media: Option<Sp<String>>,
    /// Public base URL under which the platforms reach postcal's media server (a reverse proxy
    /// or tunnel to it), e.g. `https://media.example.com/postcal`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub public_url: Option<Sp<String>>,
    /// Defaults for every post.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub defaults: Option<Defaults>,
    /// The accounts posts can target, keyed `platform/name`.
    #[schemars(schema_with = "accounts_schema")]
    pub accounts: Vec<Account>,
    /// The apps you registered with each platform, for `postcal login`. Only client ids and
    /// redirect URIs go here: client secrets come from `POSTCAL_<PLATFORM>_CLIENT_SECRET` (or
    /// the vault), never from the calendar.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub apps: Option<Apps>,
}

/// One app per platform (Instagram with Facebook Login uses the `facebook` app).
#[derive(Debug, Clone, Default, Serialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct Apps {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub instagram: Option<AppConfig>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub facebook: Option<AppConfig>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub threads: Option<AppConfig>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tiktok: Option<AppConfig>,
}

/// An app registered with a platform.
#[derive(Debug, Clone, Serialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct AppConfig {
    /// The app id (Meta) or client key (TikTok), as the platform's developer dashboard shows it.
    pub client_id: Sp<String>,
    /// The redirect URI registered with the app. Omit it to use a loopback address
    /// (`http://127.0.0.1:PORT/callback`, where the platform allows it); an `https://` URI
    /// makes `postcal login` ask you to paste the address the browser was sent to.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub redirect_uri: Option<Sp<String>>,
}

impl Apps {
    pub fn get(&self, platform: Platform) -> Option<&AppConfig> {
        match platform {
            Platform::Instagram => self.instagram.as_ref(),
            Platform::Facebook => self.facebook.as_ref(),
            Platform::Threads => self.threads.as_ref(),
            Platform::Tiktok => self.tiktok.as_ref(),
        }
    }
}

#[derive(Debug, Clone, Default, Serialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct Defaults {
    /// How late a post may still go out after postcal was down at its time, e.g. `15m`, `2h`
    /// (default `1h`). Later than that, it is reported as missed instead of published.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_lateness: Option<Sp<String>>,
}

keyword_enum! {
    /// Which Instagram API the account is reached through.
    pub enum InstagramLogin {
        /// Instagram API with Instagram Login (graph.instagram.com).
        Instagram = "instagram",
        /// Instagram API with Facebook Login (graph.facebook.com, via a Facebook Page).
        Facebook = "facebook",
    }
}

/// One account of `accounts`.
#[derive(Debug, Clone, Serialize)]
pub struct Account {
    /// `instagram/acme`, as written.
    pub key: Sp<String>,
    pub platform: Platform,
    pub name: String,
    /// The platform's id for the account (Instagram/Threads user id, Facebook Page id).
    pub id: Option<Sp<String>>,
    pub instagram_login: Option<Sp<InstagramLogin>>,
    /// TikTok: the creator account is private (changes which privacy levels are allowed).
    pub tiktok_private: Option<Sp<bool>>,
    /// TikTok: the creator's longest allowed video, in seconds (TikTok reports it per creator).
    pub tiktok_max_video_duration: Option<Sp<u32>>,
}

/// Schema-only shapes of accounts, one per platform.
#[derive(JsonSchema)]
#[schemars(deny_unknown_fields)]
#[allow(dead_code)]
struct InstagramAccount {
    /// The Instagram professional account's user id.
    id: Option<String>,
    /// `instagram` (Instagram Login, the default) or `facebook` (Facebook Login).
    login: Option<InstagramLogin>,
}

#[derive(JsonSchema)]
#[schemars(deny_unknown_fields)]
#[allow(dead_code)]
struct TiktokAccount {
    /// The creator's open_id (optional: the access token identifies the creator).
    id: Option<String>,
    /// The creator account is private: allowed privacy levels are then FOLLOWER_OF_CREATOR,
    /// MUTUAL_FOLLOW_FRIENDS and SELF_ONLY.
    private: Option<bool>,
    /// The creator's longest allowed video in seconds (TikTok's creator_info
    /// `max_video_post_duration_sec`; 180 for most creators, up to 600).
    max_video_duration: Option<u32>,
}

#[derive(JsonSchema)]
#[schemars(deny_unknown_fields)]
#[allow(dead_code)]
struct PlainAccount {
    /// The platform's id: Threads user id, or Facebook Page id.
    id: Option<String>,
}

fn accounts_schema(generator: &mut schemars::SchemaGenerator) -> schemars::Schema {
    let instagram = generator.subschema_for::<InstagramAccount>();
    let tiktok = generator.subschema_for::<TiktokAccount>();
    let plain = generator.subschema_for::<PlainAccount>();
    schemars::json_schema!({
        "description": "Accounts keyed `platform/name` (instagram, tiktok, threads, facebook). Posts target them by this key.",
        "type": "object",
        "patternProperties": {
            "^instagram/[^/]+$": { "anyOf": [instagram, { "type": "null" }] },
            "^tiktok/[^/]+$": { "anyOf": [tiktok, { "type": "null" }] },
            "^threads/[^/]+$": { "anyOf": [plain.clone(), { "type": "null" }] },
            "^facebook/[^/]+$": { "anyOf": [plain, { "type": "null" }] },
        },
        "additionalProperties": false
    })
}

impl Config {
    pub fn read(node: &Node, cx: &mut Cx) -> Option<Config> {
        let mut f = Fields::new(node, "postcal.yaml", cx)?;
        let timezone = f.required::<String>(
            "timezone",
            cx,
            "add `timezone: Europe/Paris` (any IANA timezone name): posts are scheduled in it",
        );
        let posts = f.optional("posts", cx);
        let media = f.optional("media", cx);
        let public_url = f.optional("public_url", cx);
        let defaults = f.get("defaults").and_then(|n| {
            let mut d = Fields::new(n, "defaults", cx)?;
            let defaults = Defaults {
                max_lateness: d.optional("max_lateness", cx),
            };
            d.finish(cx);
            Some(defaults)
        });
        let accounts = match f.get("accounts") {
            Some(n) => read_accounts(n, cx),
            None => {
                let d = Diagnostic::error(Code::ConfigNoAccounts, "postcal.yaml has no `accounts`")
                    .at(f.span(cx), "`accounts` missing here")
                    .help("add `accounts:` with entries such as `instagram/acme: { id: \"1784...\" }`");
                cx.push(d);
                Vec::new()
            }
        };
        let apps = f.get("apps").and_then(|n| read_apps(n, cx));
        f.finish(cx);
        Some(Config {
            apps,
            timezone: timezone?,
            posts,
            media,
            public_url,
            defaults,
            accounts,
        })
    }

    pub fn posts_dir(&self) -> &str {
        self.posts.as_ref().map_or("posts", |p| p.value.as_str())
    }

    pub fn media_dir(&self) -> &str {
        self.media.as_ref().map_or("media", |p| p.value.as_str())
    }

    pub fn account(&self, platform: Platform, name: &str) -> Option<&Account> {
        self.accounts
            .iter()
            .find(|a| a.platform == platform && a.name == name)
    }

    /// `max_lateness` as written, with its span when it was written.
    pub fn max_lateness(&self) -> Option<&Sp<String>> {
        self.defaults.as_ref().and_then(|d| d.max_lateness.as_ref())
    }
}

fn read_apps(node: &Node, cx: &mut Cx) -> Option<Apps> {
    let mut f = Fields::new(node, "apps", cx)?;
    let app = |key: &'static str, f: &mut Fields, cx: &mut Cx| {
        let n = f.get(key)?;
        let mut a = Fields::new(n, "app", cx)?;
        let client_id = a.required(
            "client_id",
            cx,
            "add `client_id:` with the app id (Meta) or client key (TikTok) from the platform's developer dashboard",
        );
        let redirect_uri = a.optional("redirect_uri", cx);
        a.finish(cx);
        Some(AppConfig {
            client_id: client_id?,
            redirect_uri,
        })
    };
    let apps = Apps {
        instagram: app("instagram", &mut f, cx),
        facebook: app("facebook", &mut f, cx),
        threads: app("threads", &mut f, cx),
        tiktok: app("tiktok", &mut f, cx),
    };
    f.finish(cx);
    Some(apps)
}

fn read_accounts(node: &Node, cx: &mut Cx) -> Vec<Account> {
    let Some(mut f) = Fields::new(node, "accounts", cx) else {
        return Vec::new();
    };
    let mut accounts = Vec::new();
    for (key, value) in f.remaining(cx) {
        let Some((platform, name)) = parse_target_key(&key, "account", cx) else {
            continue;
        };
        let empty = Node {
            kind: NodeKind::Map(Vec::new()),
            start: value.start,
            len: value.len,
        };
        let value = if value.is_null() { &empty } else { value };
        let Some(mut a) = Fields::new(value, "account", cx) else {
            continue;
        };
        let mut account = Account {
            key,
            platform,
            name,
            id: a.optional("id", cx),
            instagram_login: None,
            tiktok_private: None,
            tiktok_max_video_duration: None,
        };
        match platform {
            Platform::Instagram => account.instagram_login = a.optional("login", cx),
            Platform::Tiktok => {
                account.tiktok_private = a.optional("private", cx);
                account.tiktok_max_video_duration = a.optional("max_video_duration", cx);
            }
            Platform::Threads | Platform::Facebook => {}
        }
        a.finish(cx);
        accounts.push(account);
    }
    accounts
}

impl Account {
    pub fn span(&self) -> Span {
        self.key.span
    }
}
