//! The list every [`Code`] is generated from: one entry per code, in `area::what` order.
//!
//! An entry is the variant, the code as users read it, what it means (one sentence or a few,
//! citing docs/platform-rules.md where a platform sets the rule), and an example fix (a line
//! saying what to do, then any snippet). `postcal explain CODE` prints the last two.

codes! {
    // calendar: the calendar directory and the files in it
    CalendarBinaryFile "calendar::binary-file"
        "A file named like a manifest (`.yaml`, `.yml`) holds a NUL byte: it is binary, not YAML text, so postcal does not read it. Often an export, an archive or an image saved with the wrong name."
        "Move the file out of the posts directory, or give it the extension of what it is:\nmv posts/banner.yaml media/banner.png";
    CalendarBrokenSymlink "calendar::broken-symlink"
        "A manifest is a symbolic link that leads nowhere (its target was moved or deleted) or to itself through a loop, so there is nothing to read."
        "Remove the link, or point it at an existing manifest inside the calendar:\nln -sf ../shared/launch.yaml posts/launch.yaml";
    CalendarDirectoryNamedLikeManifest "calendar::directory-named-like-manifest"
        "A directory's name ends in `.yaml` or `.yml`, as a manifest's does. postcal treats it as a directory and looks for manifests inside it; the warning is there in case a file was meant."
        "Rename the directory so its name says it is one:\nmv posts/launch.yaml posts/launch";
    CalendarDuplicateId "calendar::duplicate-id"
        "Two posts use the same `id`. The id is how postcal's state knows a post (renaming its file never re-posts it), so two posts with one id would share one record; the second use, in reading order, is blocked and publishes nothing until the ids differ."
        "Give each post its own id:\nid: winter-sale-teaser   # was: winter-sale";
    CalendarEmptyManifest "calendar::empty-manifest"
        "A manifest holds no YAML document at all (an empty file, or only comments), so it adds no post. A warning: an empty file publishes nothing, which may be what was meant."
        "Write a post in it, or delete the file:\nid: launch\nat: 2026-12-01 09:00\ntext: Big news\ntargets:\n  threads/acme: {}";
    CalendarFileTooLarge "calendar::file-too-large"
        "A manifest or postcal.yaml is larger than postcal reads (1 MiB, 1,048,576 bytes). Posts are short; a file that large is not a calendar file, and reading it whole would cost every command memory and time."
        "Split it into several manifests (one post per file is usual), or move the large file out of the calendar.";
    CalendarInvalidId "calendar::invalid-id"
        "A post id has characters postcal does not allow, or is longer than 200 characters. Ids appear in state keys, logs and URLs, so they are limited to letters, digits, `-`, `_` and `.`."
        "Use letters, digits, `-`, `_` and `.` only:\nid: winter-sale-2026   # was: winter sale!";
    CalendarNoConfig "calendar::no-config"
        "The directory has no postcal.yaml, so it is not a calendar: postcal needs the settings file for the timezone and the accounts before it can read any post."
        "Create one, or point postcal at the directory that holds it:\npostcal init my-calendar";
    CalendarNoPostsDir "calendar::no-posts-dir"
        "The posts directory (`posts`, or what `posts:` in postcal.yaml names) does not exist, so postcal finds no manifest to read."
        "Create the directory, or set `posts:` in postcal.yaml to where the manifests are:\nposts: content/posts";
    CalendarNonUtf8Name "calendar::non-utf8-name"
        "A manifest or directory name is not valid UTF-8. postcal records manifest paths as text in its state and its output, so it cannot read a file whose name it cannot write down."
        "Rename it with a UTF-8 name (the invalid bytes are shown as �):\nmv $'posts/caf\\xe9.yaml' posts/cafe.yaml";
    CalendarNotUtf8 "calendar::not-utf8"
        "A manifest or postcal.yaml is not valid UTF-8 (UTF-16 files are named as such). postcal reads UTF-8 only, as YAML 1.2 tools commonly do."
        "Save the file as UTF-8 (most editors: \"Save with encoding\"), or convert it:\niconv -f UTF-16 -t UTF-8 posts/launch.yaml > posts/launch.yaml.new";
    CalendarPathEscapesRoot "calendar::path-escapes-root"
        "A manifest is a symbolic link to a file outside the calendar. postcal reads nothing outside the calendar directory, so that no line of another file can reach its output."
        "Copy the file into the calendar instead of linking to it:\ncp ../elsewhere/launch.yaml posts/launch.yaml";
    CalendarSymlinkedDirectory "calendar::symlinked-directory"
        "A directory under the posts directory is a symbolic link. postcal does not follow linked directories (they may loop, or lead out of the calendar), so the manifests behind it are not read."
        "Move the manifests into the posts directory, or link the files one by one instead.";
    CalendarUnknownAccount "calendar::unknown-account"
        "A target names an account that is not under `accounts:` in postcal.yaml. Every target is `platform/account`, and the account must be declared so postcal knows how to publish to it."
        "Declare the account in postcal.yaml, or fix the target's name:\naccounts:\n  facebook/acme-page: {}";
    CalendarUnreadable "calendar::unreadable"
        "A file or directory of the calendar could not be read: the operating system refused (permissions, an I/O error), or it is not a regular file (a FIFO, a socket, a device), which postcal never opens, since opening a FIFO could block forever."
        "Make it a readable regular file, or remove it from the posts directory:\nchmod a+r posts/launch.yaml";

    // config: postcal.yaml
    ConfigEmpty "config::empty"
        "postcal.yaml holds no settings. A calendar needs at least its timezone and the accounts it publishes to."
        "Write the settings (`postcal init` writes a complete example):\ntimezone: Europe/Paris\naccounts:\n  instagram/acme: {}";
    ConfigInsecurePublicUrl "config::insecure-public-url"
        "`public_url` is plain HTTP. Instagram, Threads and TikTok fetch media from public HTTPS URLs only (TikTok refuses anything else), so publishing media through it will fail. A warning, since text-only posts still publish."
        "Put the media server behind TLS and use its HTTPS address:\npublic_url: https://media.example.com/postcal";
    ConfigInvalidDuration "config::invalid-duration"
        "A duration setting such as `defaults.max_lateness` is not a duration postcal reads. Durations are written with units: `30s`, `15m`, `2h`, `1d`, or combined as `1h30m`."
        "Write the duration with a unit:\ndefaults:\n  max_lateness: 2h";
    ConfigInvalidPublicUrl "config::invalid-public-url"
        "`public_url`, the address the platforms use to fetch media from postcal's media server, is not an http(s) URL."
        "Give the public base URL of the media server:\npublic_url: https://media.example.com/postcal";
    ConfigInvalidTimezone "config::invalid-timezone"
        "postcal.yaml's `timezone` is not an IANA timezone name. Local times in posts are read in this timezone, so it must name one zone exactly."
        "Use an IANA name such as:\ntimezone: Europe/Paris";
    ConfigNoAccounts "config::no-accounts"
        "postcal.yaml has no `accounts`. Every target of every post names an account, so a calendar without accounts can publish nothing."
        "List the accounts postcal publishes to:\naccounts:\n  instagram/acme: { id: \"17841400000000000\" }\n  threads/acme: {}";
    ConfigPathEscapesRoot "config::path-escapes-root"
        "postcal.yaml, or the posts directory it names, leads outside the calendar (an absolute path, `..`, or a symbolic link out). postcal reads nothing outside the calendar directory."
        "Keep the settings and the posts inside the calendar:\nposts: posts   # was: ../elsewhere";
    ConfigPlaceholderAccountId "config::placeholder-account-id"
        "An account's `id` in postcal.yaml is not a number, though Instagram, Threads and Facebook ids are: it looks like a placeholder (`postcal init` writes visible ones). A warning: nothing can be published to that account until its real id is there."
        "Put the platform's id for the account (`postcal login ACCOUNT` prints it):\naccounts:\n  instagram/acme: { id: \"17841400000000000\" }";
    ConfigSeveralDocuments "config::several-documents"
        "postcal.yaml holds several YAML documents (separated by `---`); the settings are one document, so postcal cannot tell which one is meant."
        "Merge the documents into one, or remove the `---` separator.";

    // facebook: Facebook Pages (docs/platform-rules.md §3)
    FacebookEmptyPost "facebook::empty-post"
        "A Facebook target has no text, no link and no media: a Page post needs at least one of them (docs/platform-rules.md §3)."
        "Give the post a text, or give the target a `link` or `media`:\ntargets:\n  facebook/acme-page: { link: \"https://acme.example/shop\" }";
    FacebookInvalidLink "facebook::invalid-link"
        "A Facebook target's `link` is not one whole http(s) URL, so Facebook cannot build a link preview from it."
        "Write the full address, scheme included:\nfacebook/acme-page: { link: \"https://acme.example/shop\" }";
    FacebookLinkWithMedia "facebook::link-with-media"
        "A Facebook target has both a `link` and media. A link post shows the link's preview and takes no media; postcal publishes photos and videos through other endpoints, which take no link."
        "Put the link in the text of the photo post, or share the link alone:\nfacebook/acme-page: { link: \"https://acme.example/shop\", media: [] }";
    FacebookMixedMedia "facebook::mixed-media"
        "A Facebook target mixes photos and a video. postcal publishes a Facebook post either as photos (one or several) or as one video, never both together."
        "Give the target its own media, only photos or only the video:\nfacebook/acme-page:\n  media: [media/photo-1.jpg, media/photo-2.jpg]";
    FacebookPhotoTooLarge "facebook::photo-too-large"
        "A photo is larger than Facebook takes: above 10 MiB it is an error (Ayrshare's figure); above 4 MiB a warning, the figure of Facebook's own error text as seen in client code, which is unverified (docs/platform-rules.md §3, §9.13)."
        "Export it at a lower JPEG quality or a smaller size:\nmagick media/photo.jpg -quality 85 -resize 2048x2048\\> media/photo-web.jpg";
    FacebookTextTooLong "facebook::text-too-long"
        "A Facebook post's text is longer than 63,206 characters, the longest known Facebook post; Meta gives no figure (docs/platform-rules.md §3, §9.13)."
        "Shorten it, or give Facebook its own shorter text:\nfacebook/acme-page: { text: \"The short version, with a link to the rest.\" }";
    FacebookTooManyPhotos "facebook::too-many-photos"
        "A Facebook target has more than 10 photos. Facebook documents no maximum for a multi-photo post; 10 is the cap of a well-kept client (Mixpost), so this is a warning: the post may publish anyway (docs/platform-rules.md §3)."
        "Keep at most 10 photos, or split them into two posts.";
    FacebookVideoCount "facebook::video-count"
        "A Facebook target has several videos: a Facebook video post takes one."
        "Post each video on its own: one post per video.";

    // instagram: Instagram (docs/platform-rules.md §1)
    InstagramAltIgnored "instagram::alt-ignored"
        "Alt text is given for a video, or for an image of a story or reel: Instagram takes alt text for feed and carousel images only, so it is not sent. A warning, since another platform of the post may use it."
        "Keep it if another target uses it; otherwise remove `alt` from that media entry.";
    InstagramAltTooLong "instagram::alt-too-long"
        "An image's alt text is longer than the 1,000 characters Instagram takes (docs/platform-rules.md §1.2); postcal counts UTF-16 units."
        "Shorten it to what matters in the image:\nmedia:\n  - file: media/desk.jpg\n    alt: The new lamp on an oak desk";
    InstagramCaptionTooLong "instagram::caption-too-long"
        "An Instagram caption is longer than 2,200 characters (docs/platform-rules.md §1.2). Instagram does not say how it counts; postcal counts UTF-16 units, the larger reading (most emoji count 2), so a caption that passes here passes either way."
        "Shorten it, or give Instagram its own shorter text:\ninstagram/acme: { text: \"New roast, out Friday. #coffee\" }";
    InstagramCarouselCount "instagram::carousel-count"
        "An Instagram carousel has fewer than 2 or more than 10 media: Instagram carousels take 2 to 10 (docs/platform-rules.md §1.2, error 2207028)."
        "Keep 2 to 10 media, or post a single image without `kind: carousel`.";
    InstagramCarouselVideoSpec "instagram::carousel-video-spec"
        "A video in an Instagram carousel breaks the only published spec for carousel videos, Meta's 2022 VIDEO spec (at most 100 MiB, 3 to 60 s, 4:5 to 16:9). No current figure exists, so this is a warning: the post may publish anyway (docs/platform-rules.md §1.3, §9.4)."
        "Trim or re-encode the video to fit the 2022 spec:\nffmpeg -i in.mp4 -t 60 -c:v libx264 -c:a aac out.mp4";
    InstagramCoverFormat "instagram::cover-format"
        "A reel's `cover` image is not a JPEG: Instagram takes reel covers as JPEG only, and postcal does not convert covers (docs/platform-rules.md §1.2, `cover_url`)."
        "Export the cover as JPEG:\nmagick media/cover.png media/cover.jpg";
    InstagramCoverTooLarge "instagram::cover-too-large"
        "A reel's `cover` image is larger than the 8 MiB Instagram takes (docs/platform-rules.md §1.2, `cover_url`)."
        "Export it at a lower JPEG quality or a smaller size:\nmagick media/cover.jpg -quality 85 media/cover-small.jpg";
    InstagramImageAspect "instagram::image-aspect"
        "An image of a feed post or carousel is taller than 4:5 or wider than 1.91:1: Instagram refuses it (docs/platform-rules.md §1.3, error 2207009)."
        "Crop it to an aspect ratio between 4:5 and 1.91:1 (1080×1350 is 4:5):\nmagick media/tall.jpg -gravity center -crop 4:5 media/tall-4x5.jpg";
    InstagramImageConverted "instagram::image-converted"
        "A feed, carousel or story image is PNG or WebP: Instagram takes JPEG only, so postcal converts it (orientation applied, colours to sRGB, transparency on white). A warning: nothing to do unless you want to choose the JPEG quality."
        "Nothing to do; to choose the quality yourself, export it as JPEG:\nmagick media/photo.png -quality 90 media/photo.jpg";
    InstagramImageFormat "instagram::image-format"
        "An image is in a format Instagram does not take and postcal cannot convert (GIF, HEIF, ...): Instagram images are JPEG only (docs/platform-rules.md §1.3)."
        "Export it as JPEG:\nmagick media/anim.gif[0] media/still.jpg";
    InstagramImageTooLarge "instagram::image-too-large"
        "An Instagram image is larger than 8 MiB (Instagram's error 2207004 says MiB; docs/platform-rules.md §1.3)."
        "Export it at a lower JPEG quality or a smaller size:\nmagick media/big.jpg -quality 85 -resize 1440x media/big-web.jpg";
    InstagramInvalidLocation "instagram::invalid-location"
        "An Instagram `location` is not a numeric Facebook Page ID. Instagram takes a location as the ID of a Facebook Page that has an address, not as a place name (docs/platform-rules.md §1.2)."
        "Give the numeric ID of the place's Facebook Page:\ninstagram/acme: { location: \"110774245616525\" }";
    InstagramInvalidUsername "instagram::invalid-username"
        "A collaborator is not an Instagram username: usernames have at most 30 letters, digits, `.` and `_`, written without `@`."
        "Write the usernames without `@`:\ninstagram/acme: { collaborators: [bob, acme.studio] }";
    InstagramMediaCount "instagram::media-count"
        "A reel, a feed post or a story has more than one media: each takes exactly one image or video. Several media make a carousel."
        "Post them together as a carousel, or give the target one media:\ninstagram/acme: { kind: carousel }";
    InstagramMediaKind "instagram::media-kind"
        "A media file is the wrong kind for the post: a feed post is one image (single videos are published as reels since 2023-11-09), a reel is one video (docs/platform-rules.md §1.2)."
        "Choose the kind that fits the media, or remove `kind` and postcal infers it:\ninstagram/acme: { kind: reel }";
    InstagramNoMedia "instagram::no-media"
        "An Instagram target has no media: every Instagram post needs an image or a video."
        "Add media to the post, or give the target its own:\ninstagram/acme:\n  media: [media/launch.jpg]";
    InstagramOptionNotForKind "instagram::option-not-for-kind"
        "An Instagram option is set on a kind of post that does not take it: `cover` and `thumb_offset` are for reels only, `collaborators` and `location` are not for stories (docs/platform-rules.md §1.2). postcal never drops an option silently."
        "Remove the option from the target, or change the kind:\ninstagram/acme: { kind: reel, cover: media/cover.jpg }";
    InstagramScheduleOverDailyLimit "instagram::schedule-over-daily-limit"
        "A `repeat` schedule alone fires more often in 24 hours than Instagram publishes for one account: 100 is the publishing guide's figure (an error); 50, the content_publishing_limit reference's, is a warning, since the account's live quota decides (docs/platform-rules.md §1.4, §9.1)."
        "Repeat less often; the account's other posts count against the same limit:\nrepeat: \"0 * * * *\"   # hourly";
    InstagramShareToFeedIgnored "instagram::share-to-feed-ignored"
        "`share_to_feed` is set on a post that is not a reel: it only applies to reels (whether a reel also shows in the feed), and Instagram ignores it elsewhere."
        "Remove `share_to_feed` from the target.";
    InstagramStoryCaptionIgnored "instagram::story-caption-ignored"
        "A story has text: Instagram stories have no caption, so the text is not published on the story. A warning: the story publishes without it."
        "Give the story target an empty text to say so, or post a feed post or reel instead:\ninstagram/acme: { kind: story, text: \"\" }";
    InstagramThumbOffsetIgnored "instagram::thumb-offset-ignored"
        "A reel has both a `cover` and a `thumb_offset`: Instagram uses the cover and ignores the offset (docs/platform-rules.md §1.2)."
        "Keep one of the two:\ninstagram/acme: { kind: reel, cover: media/cover.jpg }";
    InstagramThumbOffsetOutOfRange "instagram::thumb-offset-out-of-range"
        "A reel's `thumb_offset` (the frame used as its thumbnail, in milliseconds) is not before the end of the video: Instagram refuses it with error 2207057 (docs/platform-rules.md §1.5)."
        "Pick a frame inside the video:\ninstagram/acme: { kind: reel, thumb_offset: 2500 }";
    InstagramTooManyCollaborators "instagram::too-many-collaborators"
        "An Instagram post invites more than 3 collaborators, the most Instagram takes (docs/platform-rules.md §1.2)."
        "Invite at most 3:\ninstagram/acme: { collaborators: [bob, acme.studio, carol] }";
    InstagramTooManyHashtags "instagram::too-many-hashtags"
        "An Instagram caption has more than 30 hashtags, the most Instagram takes (docs/platform-rules.md §1.2, §9.2)."
        "Remove some hashtags, or give Instagram its own text:\ninstagram/acme: { text: \"New roast. #coffee #roastery\" }";
    InstagramTooManyMentions "instagram::too-many-mentions"
        "An Instagram caption has more than 20 @-mentions, the most Instagram takes (docs/platform-rules.md §1.2, §9.2)."
        "Remove some @-mentions, or give Instagram its own text.";
    InstagramVideoAudio "instagram::video-audio"
        "A reel or story video's audio is not what Instagram takes: AAC at up to 48 kHz, mono or stereo (docs/platform-rules.md §1.3)."
        "Re-encode the audio only:\nffmpeg -i in.mp4 -c:v copy -c:a aac -ar 48000 -ac 2 out.mp4";
    InstagramVideoCodec "instagram::video-codec"
        "An Instagram video is not H.264 or HEVC (H.265), the codecs Instagram takes (docs/platform-rules.md §1.3)."
        "Re-encode the video with H.264:\nffmpeg -i in.mp4 -c:v libx264 -c:a copy out.mp4";
    InstagramVideoDimensions "instagram::video-dimensions"
        "An Instagram video is wider than 1920 px, or its aspect ratio is outside what the kind takes (reels 0.01:1 to 10:1, stories 0.1:1 to 10:1; docs/platform-rules.md §1.3)."
        "Scale it down (1080×1920 for a vertical video):\nffmpeg -i in.mp4 -vf scale=1080:-2 -c:a copy out.mp4";
    InstagramVideoDuration "instagram::video-duration"
        "An Instagram video is too short or too long for its kind: reels take 3 s to 15 min, stories 3 to 60 s (docs/platform-rules.md §1.3)."
        "Trim it to fit, here to 60 s for a story:\nffmpeg -i in.mp4 -t 60 -c copy out.mp4";
    InstagramVideoEditList "instagram::video-edit-list"
        "An Instagram video has an edit list (`elst`, which ffmpeg writes by default): Instagram requires none, so postcal drops it by remuxing the file (no re-encoding), keeping sound and picture in sync. A warning: nothing to do. An edit list that really cuts the video is refused when staging."
        "Nothing to do; to upload the file exactly as it is, export it without an edit list:\nffmpeg -i in.mp4 -c copy -movflags +faststart -use_editlist 0 out.mp4";
    InstagramVideoFormat "instagram::video-format"
        "An Instagram video is not MP4 or QuickTime MOV, the containers Instagram takes (docs/platform-rules.md §1.3)."
        "Re-encode it as MP4 with H.264 video and AAC audio:\nffmpeg -i in.webm -c:v libx264 -c:a aac -movflags +faststart out.mp4";
    InstagramVideoFrameRate "instagram::video-frame-rate"
        "An Instagram video's frame rate is outside 23 to 60 fps (docs/platform-rules.md §1.3)."
        "Re-encode it at a supported rate:\nffmpeg -i in.mp4 -r 30 -c:a copy out.mp4";
    InstagramVideoNotFastStart "instagram::video-not-fast-start"
        "An Instagram video has its index (the `moov` box) after the media data: Instagram needs it first (\"fast start\"), so postcal moves it by remuxing the file (no re-encoding). A warning: nothing to do."
        "Nothing to do; to upload the file exactly as it is, export it with fast start:\nffmpeg -i in.mp4 -c copy -movflags +faststart -use_editlist 0 out.mp4";
    InstagramVideoTooLarge "instagram::video-too-large"
        "An Instagram video is larger than its kind takes: reels at most 300 MiB, stories 100 MiB (docs/platform-rules.md §1.3)."
        "Re-encode it at a lower bitrate, or shorten it:\nffmpeg -i in.mp4 -c:v libx264 -crf 26 -c:a copy out.mp4";

    // manifest: the shape of manifests and settings
    ManifestInvalidTarget "manifest::invalid-target"
        "A target (or an account in postcal.yaml) is not written `platform/account`, with a non-empty account name and no further `/`."
        "Write the target as platform/account:\ntargets:\n  instagram/acme: {}";
    ManifestInvalidValue "manifest::invalid-value"
        "A field's value is not one postcal accepts there: a keyword not in the field's list (a `kind`, a `privacy`, a `status`), or a number out of range."
        "Use one of the values the message lists:\nstatus: scheduled   # scheduled, draft or paused";
    ManifestMissingField "manifest::missing-field"
        "A required field is missing, such as a post's `id`, `at` or `targets`, a media entry's `file`, or postcal.yaml's `timezone`."
        "Add the field:\nat: 2026-12-01 09:00   # local time in the calendar's timezone";
    ManifestNoTargets "manifest::no-targets"
        "A post's `targets` is empty: the post goes nowhere."
        "Add at least one account from postcal.yaml:\ntargets:\n  instagram/acme: {}";
    ManifestUnknownField "manifest::unknown-field"
        "A field is not one postcal knows there. postcal refuses unknown fields rather than ignoring them, so a typo (`txt` for `text`) is never silently dropped."
        "Fix the field's name (the help suggests the closest one), or remove it:\ntext: Big news   # was: txt";
    ManifestUnknownPlatform "manifest::unknown-platform"
        "A target or account names a platform postcal does not publish to. postcal publishes to instagram, tiktok, threads and facebook."
        "Use one of the platforms postcal knows:\ntargets:\n  threads/acme: {}";
    ManifestWrongType "manifest::wrong-type"
        "A field has the wrong type: a list where a single value belongs, text where a number or a boolean belongs. postcal reads booleans as `true` or `false` only, never `yes`, `no`, `on` or `off`."
        "Write the value in the type the field takes:\nshare_to_feed: true   # was: yes";

    // media: media files, whatever the platform
    MediaExtensionMismatch "media::extension-mismatch"
        "A media file's extension says one format and its content another (a PNG named `.jpg`). postcal goes by the content, so this is a warning; the name will mislead the next reader."
        "Rename the file so its extension says what it is:\nmv media/photo.jpg media/photo.png";
    MediaNoVideoTrack "media::no-video-track"
        "A media file is a video container (MP4, MOV, WebM) without a video track, such as an audio-only export: no platform postcal publishes to takes audio alone."
        "Export the video again with its picture.";
    MediaNotAFile "media::not-a-file"
        "A media path names a directory, a FIFO, a socket or a device, not a regular file. postcal never opens those (opening a FIFO could block forever)."
        "Name an image or video file:\nmedia: [media/photo.jpg]";
    MediaNotFound "media::not-found"
        "A media path names no file. Media paths are relative to the calendar root, not to the manifest."
        "Fix the path relative to the calendar root:\nmedia: [media/photo.jpg]   # not ../media/photo.jpg";
    MediaPathEscapesRoot "media::path-escapes-root"
        "A media path leads outside the calendar: an absolute path, `..` above the root, or a symbolic link out. postcal reads nothing outside the calendar directory."
        "Copy the file into the calendar and name it from the root:\nmedia: [media/photo.jpg]";
    MediaUnreadable "media::unreadable"
        "A media file could not be opened or read: permissions, an I/O error, or a path that goes through a file as if it were a directory."
        "Check the path, and the permissions of the file and its directories:\nchmod a+r media/photo.jpg";
    MediaUnrecognized "media::unrecognized"
        "A media file is not an image or video postcal can read: its first bytes match no known format, or its headers are damaged. postcal reads JPEG, PNG, WebP, GIF, HEIF and TIFF images and MP4, MOV and WebM videos."
        "Export it again as a JPEG, PNG or WebP image, or an MP4 or MOV video:\nffmpeg -i in.avi -c:v libx264 -c:a aac out.mp4";

    // threads: Threads (docs/platform-rules.md §4)
    ThreadsCarouselCount "threads::carousel-count"
        "A Threads target has more than 20 media: a Threads carousel takes 2 to 20, images and videos mixed (docs/platform-rules.md §4)."
        "Keep at most 20 media, or split them into two posts.";
    ThreadsEmptyPost "threads::empty-post"
        "A Threads target has neither text nor media: a Threads post needs one of them."
        "Give the post a text, or the target its own:\nthreads/acme: { text: \"Out now.\" }";
    ThreadsImageAspect "threads::image-aspect"
        "A Threads image is more than 10 times as wide as it is high, or as high as it is wide: Threads takes 1:10 to 10:1 (docs/platform-rules.md §4)."
        "Crop it to an aspect ratio between 1:10 and 10:1:\nmagick media/panorama.jpg -gravity center -crop 10:1 media/panorama-10x1.jpg";
    ThreadsImageFormat "threads::image-format"
        "A Threads image is not JPEG or PNG, the formats Threads takes (docs/platform-rules.md §4)."
        "Export it as JPEG or PNG:\nmagick media/photo.webp media/photo.jpg";
    ThreadsImageTooLarge "threads::image-too-large"
        "A Threads image is larger than the 8 MiB Threads takes (docs/platform-rules.md §4)."
        "Export it at a lower JPEG quality or a smaller size:\nmagick media/big.jpg -quality 85 -resize 1440x media/big-web.jpg";
    ThreadsInvalidLink "threads::invalid-link"
        "A Threads `link_attachment` is not one whole http(s) URL."
        "Write the full address, scheme included:\nthreads/acme: { link_attachment: \"https://acme.example/photos\" }";
    ThreadsInvalidTopicTag "threads::invalid-topic-tag"
        "A Threads `topic_tag` is empty, longer than 50 characters, or contains `.` or `&`, which Threads does not allow (docs/platform-rules.md §4)."
        "Use 1 to 50 characters without `.` or `&`:\nthreads/acme: { topic_tag: Coffee }";
    ThreadsLinkAttachmentWithMedia "threads::link-attachment-with-media"
        "A Threads target has a `link_attachment` and media: link attachments are for text posts only. In a post with media, the first URL of the text becomes the preview."
        "Put the link in the text, or share the link without media:\nthreads/acme: { link_attachment: \"https://acme.example\", media: [] }";
    ThreadsScheduleOverDailyLimit "threads::schedule-over-daily-limit"
        "A `repeat` schedule alone fires more often in 24 hours than Threads publishes for one profile: 250 posts in a rolling 24 hours (docs/platform-rules.md §4)."
        "Repeat less often; the profile's other posts count against the same limit:\nrepeat: \"0 * * * *\"   # hourly";
    ThreadsTextTooLong "threads::text-too-long"
        "A Threads text is longer than 500 by Threads' count, in which every emoji counts as its UTF-8 length, 4 for most (docs/platform-rules.md §4)."
        "Shorten it, or give Threads its own shorter text:\nthreads/acme: { text: \"The short version.\" }";
    ThreadsTooManyLinks "threads::too-many-links"
        "A Threads post has more than 5 distinct links, counting the URLs in its text and its `link_attachment`. Since 2025-12-22 Threads refuses such a post when it is prepared (docs/platform-rules.md §4)."
        "Remove links until at most 5 distinct ones remain.";
    ThreadsVideoAudio "threads::video-audio"
        "A Threads video's audio is not what Threads takes: AAC at up to 48 kHz, mono or stereo (docs/platform-rules.md §4)."
        "Re-encode the audio only:\nffmpeg -i in.mp4 -c:v copy -c:a aac -ar 48000 -ac 2 out.mp4";
    ThreadsVideoCodec "threads::video-codec"
        "A Threads video is not H.264 or HEVC (H.265), the codecs Threads takes (docs/platform-rules.md §4)."
        "Re-encode the video with H.264:\nffmpeg -i in.mp4 -c:v libx264 -c:a copy out.mp4";
    ThreadsVideoDimensions "threads::video-dimensions"
        "A Threads video is wider than 1920 px, or its aspect ratio is outside 0.01:1 to 10:1 (docs/platform-rules.md §4)."
        "Scale it down (1080×1920 for a vertical video):\nffmpeg -i in.mp4 -vf scale=1080:-2 -c:a copy out.mp4";
    ThreadsVideoDuration "threads::video-duration"
        "A Threads video is longer than 5 minutes (300 s), the longest Threads takes (docs/platform-rules.md §4)."
        "Trim it to 5 minutes or less:\nffmpeg -i in.mp4 -t 300 -c copy out.mp4";
    ThreadsVideoEditList "threads::video-edit-list"
        "A Threads video has an edit list (`elst`, which ffmpeg writes by default): Threads requires none, so postcal drops it by remuxing the file (no re-encoding), keeping sound and picture in sync. A warning: nothing to do."
        "Nothing to do; to upload the file exactly as it is, export it without an edit list:\nffmpeg -i in.mp4 -c copy -movflags +faststart -use_editlist 0 out.mp4";
    ThreadsVideoFormat "threads::video-format"
        "A Threads video is not MP4 or QuickTime MOV, the containers Threads takes (docs/platform-rules.md §4)."
        "Re-encode it as MP4 with H.264 video and AAC audio:\nffmpeg -i in.webm -c:v libx264 -c:a aac -movflags +faststart out.mp4";
    ThreadsVideoFrameRate "threads::video-frame-rate"
        "A Threads video's frame rate is outside 23 to 60 fps (docs/platform-rules.md §4)."
        "Re-encode it at a supported rate:\nffmpeg -i in.mp4 -r 30 -c:a copy out.mp4";
    ThreadsVideoNotFastStart "threads::video-not-fast-start"
        "A Threads video has its index (the `moov` box) after the media data: Threads needs it first (\"fast start\"), so postcal moves it by remuxing the file (no re-encoding). A warning: nothing to do."
        "Nothing to do; to upload the file exactly as it is, export it with fast start:\nffmpeg -i in.mp4 -c copy -movflags +faststart -use_editlist 0 out.mp4";
    ThreadsVideoTooLarge "threads::video-too-large"
        "A Threads video is larger than the 1 GiB Threads takes (docs/platform-rules.md §4)."
        "Re-encode it at a lower bitrate, or shorten it:\nffmpeg -i in.mp4 -c:v libx264 -crf 26 -c:a copy out.mp4";

    // tiktok: TikTok (docs/platform-rules.md §2)
    TiktokBrandedSelfOnly "tiktok::branded-self-only"
        "A TikTok post is branded content (`brand_content: true`) and only its creator can see it (`SELF_ONLY`): TikTok does not allow branded content to be private (docs/platform-rules.md §2.3)."
        "Choose a privacy others can see, or remove `brand_content`:\ntiktok/acme: { privacy: PUBLIC_TO_EVERYONE, brand_content: true }";
    TiktokCaptionTooLong "tiktok::caption-too-long"
        "A TikTok video's caption (the post's text) is longer than 2,200 UTF-16 units, TikTok's counting unit: most emoji count 2 (docs/platform-rules.md §2.3)."
        "Shorten it, or give TikTok its own shorter text:\ntiktok/acme: { privacy: PUBLIC_TO_EVERYONE, text: \"Roast day. #coffee\" }";
    TiktokCoverIndex "tiktok::cover-index"
        "A TikTok photo post's `photo_cover_index` names no photo: indexes count from 0, so the last photo of N is N-1 (docs/platform-rules.md §2.4)."
        "Count from 0, the first photo is 0:\ntiktok/acme: { privacy: PUBLIC_TO_EVERYONE, photo_cover_index: 0 }";
    TiktokCoverTimestampIgnored "tiktok::cover-timestamp-ignored"
        "A TikTok video's `cover_timestamp` is not before the end of the video: TikTok then uses the first frame as the cover. A warning: the post publishes with another cover than meant."
        "Pick a time inside the video, in milliseconds:\ntiktok/acme: { privacy: PUBLIC_TO_EVERYONE, cover_timestamp: 1500 }";
    TiktokDescriptionTooLong "tiktok::description-too-long"
        "A TikTok photo post's description (the post's text) is longer than 4,000 UTF-16 units: most emoji count 2 (docs/platform-rules.md §2.3)."
        "Shorten it, or give TikTok its own shorter text.";
    TiktokMixedMedia "tiktok::mixed-media"
        "A TikTok target mixes a video and photos: a TikTok post is one video or 1 to 35 photos, never both (docs/platform-rules.md §2.4)."
        "Give the target its own media, only the video or only the photos:\ntiktok/acme:\n  privacy: PUBLIC_TO_EVERYONE\n  media: [media/clip.mp4]";
    TiktokNoMedia "tiktok::no-media"
        "A TikTok target has no media: a TikTok post is one video or 1 to 35 photos."
        "Add media to the post, or give the target its own:\ntiktok/acme: { privacy: PUBLIC_TO_EVERYONE, media: [media/clip.mp4] }";
    TiktokOptionNotForKind "tiktok::option-not-for-kind"
        "A TikTok option is set on a kind of post that does not take it: `allow_duet`, `allow_stitch` and `cover_timestamp` are for videos; `title`, `photo_cover_index` and `auto_add_music` for photo posts (docs/platform-rules.md §2.3)."
        "Remove the option; a video's caption is its `text`, not a `title`:\ntiktok/acme: { privacy: PUBLIC_TO_EVERYONE }";
    TiktokPhotoConverted "tiktok::photo-converted"
        "A TikTok photo is PNG: TikTok takes JPEG or WebP only, so postcal converts it to JPEG. A warning: nothing to do unless you want to choose the JPEG quality."
        "Nothing to do; to choose the quality yourself, export it as JPEG:\nmagick media/photo.png -quality 90 media/photo.jpg";
    TiktokPhotoCount "tiktok::photo-count"
        "A TikTok photo post has more than 35 photos, the most TikTok takes (docs/platform-rules.md §2.4)."
        "Keep at most 35 photos, or split them into two posts.";
    TiktokPhotoFormat "tiktok::photo-format"
        "A TikTok photo is in a format TikTok does not take and postcal cannot convert (GIF, HEIF, ...): TikTok photos are JPEG or WebP (docs/platform-rules.md §2.4)."
        "Export it as JPEG or WebP:\nmagick media/anim.gif[0] media/still.jpg";
    TiktokPhotoResolution "tiktok::photo-resolution"
        "A TikTok photo is larger than 1920×1080 either way round. TikTok says photos are at most \"1080p\" without saying how that applies to other shapes, so this is a warning; a larger photo may fail with `picture_size_check_failed` (docs/platform-rules.md §2.4)."
        "Resize it to fit within 1920×1080:\nmagick media/wide.jpg -resize 1920x1080 media/wide-1080p.jpg";
    TiktokPhotoTooLarge "tiktok::photo-too-large"
        "A TikTok photo is larger than the 20 MiB TikTok takes (docs/platform-rules.md §2.4)."
        "Export it at a lower JPEG quality or a smaller size:\nmagick media/big.jpg -quality 85 media/big-web.jpg";
    TiktokPrivacyMissing "tiktok::privacy-missing"
        "A TikTok target has no `privacy`. TikTok requires every post to say who can see it and has no default; its guidelines forbid choosing one on the creator's behalf (docs/platform-rules.md §2.3)."
        "Choose who can see the post:\ntiktok/acme: { privacy: PUBLIC_TO_EVERYONE }";
    TiktokPrivacyNotAllowed "tiktok::privacy-not-allowed"
        "A TikTok `privacy` is not one the account offers: public accounts offer PUBLIC_TO_EVERYONE, MUTUAL_FOLLOW_FRIENDS and SELF_ONLY; private ones FOLLOWER_OF_CREATOR instead of PUBLIC_TO_EVERYONE (docs/platform-rules.md §2.2)."
        "Use a level the account offers, or say in postcal.yaml that the account is private:\naccounts:\n  tiktok/acme: { private: true }";
    TiktokScheduleOverDailyLimit "tiktok::schedule-over-daily-limit"
        "A `repeat` schedule alone fires more often in 24 hours than TikTok publishes for one creator: about 15 direct posts, a cap that varies by creator and is shared across apps. A warning, since the figure is approximate (docs/platform-rules.md §2.5)."
        "Repeat less often; the creator's other posts count against the same cap:\nrepeat: \"0 9,18 * * *\"   # twice a day";
    TiktokTitleTooLong "tiktok::title-too-long"
        "A TikTok photo post's `title` is longer than 90 UTF-16 units (docs/platform-rules.md §2.3)."
        "Shorten it; the rest can go in the description, the post's `text`:\ntiktok/acme: { privacy: PUBLIC_TO_EVERYONE, title: \"Roast day\" }";
    TiktokVideoCodec "tiktok::video-codec"
        "A TikTok video is not H.264, HEVC (H.265), VP8 or VP9, the codecs TikTok takes (docs/platform-rules.md §2.4)."
        "Re-encode the video with H.264:\nffmpeg -i in.mp4 -c:v libx264 -c:a copy out.mp4";
    TiktokVideoCount "tiktok::video-count"
        "A TikTok target has several videos: a TikTok video post takes one."
        "Post each video on its own: one post per video.";
    TiktokVideoDimensions "tiktok::video-dimensions"
        "A TikTok video has a side shorter than 360 px or longer than 4096 px (docs/platform-rules.md §2.4)."
        "Scale it so both sides are between 360 and 4096 px:\nffmpeg -i in.mp4 -vf scale=-2:720 -c:a copy out.mp4";
    TiktokVideoFrameRate "tiktok::video-frame-rate"
        "A TikTok video's frame rate is outside 23 to 60 fps (docs/platform-rules.md §2.4)."
        "Re-encode it at a supported rate:\nffmpeg -i in.mp4 -r 30 -c:a copy out.mp4";
    TiktokVideoTooLarge "tiktok::video-too-large"
        "A TikTok video is larger than the 4 GiB TikTok takes (docs/platform-rules.md §2.4)."
        "Re-encode it at a lower bitrate, or shorten it:\nffmpeg -i in.mp4 -c:v libx264 -crf 26 -c:a copy out.mp4";
    TiktokVideoTooLong "tiktok::video-too-long"
        "A TikTok video is longer than the account may post: its `max_video_duration` in postcal.yaml, else 180 s, the cap every creator has; never more than the API's 10 minutes (docs/platform-rules.md §2.2, §2.4)."
        "Trim it, or give the account its own cap (in seconds) if TikTok allows it a longer one:\naccounts:\n  tiktok/acme: { max_video_duration: 600 }";
    TiktokVideoTooShort "tiktok::video-too-short"
        "A TikTok video is shorter than 3 s. Only third-party clients give this minimum, so it is a warning: the post may publish anyway (docs/platform-rules.md §2.4)."
        "Use a clip of at least 3 s.";

    // time: times, timezones and schedules
    TimeDstAmbiguous "time::dst-ambiguous"
        "A local time happens twice in its timezone (the hour the clocks go back). postcal uses the first occurrence; the warning says so, since the second may have been meant."
        "To mean the second occurrence, write the time with its offset:\nat: 2027-10-31T02:30:00+01:00";
    TimeDstGap "time::dst-gap"
        "A local time does not exist in its timezone: the clocks jump over it when summer time starts, so the post would have no moment to go out."
        "Pick a time before the jump or after it:\nat: 2027-03-28 03:30";
    TimeInvalid "time::invalid"
        "A time (`at`, `until`) is not a time postcal reads. postcal takes a local time, read in the post's timezone, or an instant with an offset."
        "Write a local time, or an instant with its offset:\nat: 2026-12-01 09:00\n# or\nat: 2026-12-01T09:00:00+01:00";
    TimeInvalidCron "time::invalid-cron"
        "A `repeat` is not a cron expression postcal reads: exactly 5 fields (minute, hour, day of month, month, day of week), each a value, a list, a range or a step."
        "Write 5 fields:\nrepeat: \"0 9 * * MON\"   # Mondays at 09:00";
    TimeInvalidTimezone "time::invalid-timezone"
        "A post's `timezone` is not an IANA timezone name, so its local times cannot be read."
        "Use an IANA name, or remove it to use the calendar's:\ntimezone: America/New_York";
    TimeRepeatNeverFires "time::repeat-never-fires"
        "A `repeat` schedule matches no date after `at` (or before `until`), such as the 30th of February: the post would silently never go out."
        "Check the day-of-month and month fields:\nrepeat: \"0 9 28 2 *\"   # was: 0 9 30 2 *";
    TimeUntilBeforeAt "time::until-before-at"
        "A repeating post's `until` is not after its `at`, so no occurrence lies between them."
        "Set `until` to the last time the post may repeat, after `at`:\nat: 2026-12-01 09:00\nuntil: 2027-03-01 09:00";
    TimeUntilWithoutRepeat "time::until-without-repeat"
        "A post has `until` but no `repeat`: `until` ends a repetition, so alone it does nothing."
        "Remove `until`, or add the repetition it ends:\nrepeat: \"0 9 * * MON\"\nuntil: 2027-03-01 09:00";

    // yaml: YAML itself
    YamlDuplicateKey "yaml::duplicate-key"
        "A YAML mapping has the same key twice. Most YAML readers keep the last one silently; postcal refuses, since one of the two values would be lost."
        "Remove one of the two entries with this key.";
    YamlSyntax "yaml::syntax"
        "A manifest or postcal.yaml is not valid YAML: usually indentation, an unclosed quote, or a `:` in an unquoted value."
        "Fix the YAML at the position shown; quote values that contain `: ` or start with a special character:\ntext: \"Launch: today\"";
    YamlTooComplex "yaml::too-complex"
        "A YAML file nests deeper, expands aliases further, or holds more documents than any calendar needs. postcal stops reading it rather than spend unbounded memory and time (the \"billion laughs\" attack)."
        "Simplify the file: aliases that reference aliases multiply quickly; one post per document, a few documents per file.";
}
