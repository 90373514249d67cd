//! Garbage to every endpoint: never a 5xx, a panic or a dropped connection; every refusal is a
//! 4xx in the platform's error envelope (garbage that happens to be a valid request may pass).

use postcal::platform::Platform;
use serde_json::Value;

use super::util::Sim;

/// Bodies a confused or hostile client might send.
fn garbage() -> Vec<(&'static str, Vec<u8>)> {
    vec![
        ("application/json", b"{not json".to_vec()),
        ("application/json", b"[1,2,3]".to_vec()),
        ("application/json", b"\"just a string\"".to_vec()),
        ("application/json", br#"{"post_info":[],"source_info":{"source":"FILE_UPLOAD","video_size":-1,"chunk_size":"x","total_chunk_count":1e999}}"#.to_vec()),
        ("application/json", br#"{"post_info":{"privacy_level":7,"title":{}},"source_info":{"source":"PULL_FROM_URL","video_url":"::::","photo_images":[1,null,{}],"photo_cover_index":-3},"post_mode":"DIRECT_POST","media_type":"PHOTO","publish_id":42}"#.to_vec()),
        ("application/x-www-form-urlencoded", b"media_type=%00%ff&children=[[[&user_tags={&thumb_offset=1e309&creation_id=../../x&is_carousel_item=maybe&published=perhaps&scheduled_publish_time=99999999999999999999&attached_media=[{\"media_fbid\":{}}]&attached_media[0]=nope&since=-9223372036854775808&fields=a{b{c&image_url=%zz&code=&grant_type=&client_id=".to_vec()),
        ("application/x-www-form-urlencoded", b"media_type=CAROUSEL&children=1,2,3,4,5,6,7,8,9,10,11&caption=".to_vec()),
        ("multipart/form-data; boundary=", b"--\r\n\r\n".to_vec()),
        ("multipart/form-data; boundary=b", b"--b\r\nContent-Disposition: form-data\r\n\r\nx\r\n--b--".to_vec()),
        ("text/plain", vec![0xff, 0xfe, 0x00, 0x80]),
        ("", Vec::new()),
    ]
}

#[tokio::test]
async fn no_endpoint_answers_garbage_with_a_server_error() {
    let sim = Sim::start().await;
    let ig = sim.account(Platform::Instagram, "ig");
    let fb = sim.account(Platform::Facebook, "fb");
    let th = sim.account(Platform::Threads, "th");
    let tt = sim.account(Platform::Tiktok, "tt");
    let u = sim.sb.urls().clone();
    let graph = |base: &str, path: &str| format!("{base}/v23.0/{path}");
    let endpoints: Vec<(String, Option<&postcal::sandbox::Secret>)> = vec![
        (
            graph(&u.instagram_graph, &format!("{}/media", ig.id)),
            Some(&ig.access_token),
        ),
        (
            graph(&u.instagram_graph, &format!("{}/media_publish", ig.id)),
            Some(&ig.access_token),
        ),
        (
            graph(
                &u.instagram_graph,
                &format!("{}/content_publishing_limit", ig.id),
            ),
            Some(&ig.access_token),
        ),
        (graph(&u.instagram_graph, "me"), Some(&ig.access_token)),
        (
            format!("{}/access_token", u.instagram_graph),
            Some(&ig.access_token),
        ),
        (
            format!("{}/refresh_access_token", u.instagram_graph),
            Some(&ig.access_token),
        ),
        (
            graph(&u.facebook_graph, &format!("{}/feed", fb.id)),
            Some(&fb.access_token),
        ),
        (
            graph(&u.facebook_graph, &format!("{}/photos", fb.id)),
            Some(&fb.access_token),
        ),
        (
            graph(&u.facebook_graph, &format!("{}/videos", fb.id)),
            Some(&fb.access_token),
        ),
        (
            graph(&u.facebook_graph, "me/accounts"),
            fb.facebook_user_token.as_ref(),
        ),
        (graph(&u.facebook_graph, "oauth/access_token"), None),
        (
            graph(&u.threads_graph, &format!("{}/threads", th.id)),
            Some(&th.access_token),
        ),
        (
            graph(&u.threads_graph, &format!("{}/threads_publish", th.id)),
            Some(&th.access_token),
        ),
        (
            graph(
                &u.threads_graph,
                &format!("{}/threads_publishing_limit", th.id),
            ),
            Some(&th.access_token),
        ),
        (graph(&u.threads_graph, "oauth/access_token"), None),
        (format!("{}/oauth/access_token", u.instagram_api), None),
        (
            format!("{}/v2/post/publish/creator_info/query/", u.tiktok_api),
            Some(&tt.access_token),
        ),
        (
            format!("{}/v2/post/publish/video/init/", u.tiktok_api),
            Some(&tt.access_token),
        ),
        (
            format!("{}/v2/post/publish/inbox/video/init/", u.tiktok_api),
            Some(&tt.access_token),
        ),
        (
            format!("{}/v2/post/publish/content/init/", u.tiktok_api),
            Some(&tt.access_token),
        ),
        (
            format!("{}/v2/post/publish/status/fetch/", u.tiktok_api),
            Some(&tt.access_token),
        ),
        (format!("{}/v2/oauth/token/", u.tiktok_api), None),
        (format!("{}/v2/oauth/revoke/", u.tiktok_api), None),
        (
            format!("{}/video/?upload_id=1&upload_token=2", u.tiktok_upload),
            None,
        ),
        (
            format!(
                "{}/oauth/authorize?client_id=%ff&redirect_uri=::",
                u.instagram_www
            ),
            None,
        ),
        (
            format!("{}/v2/auth/authorize/?client_key=x", u.tiktok_www),
            None,
        ),
        (format!("{}/nothing/at/all", u.root), None),
    ];
    let (mut answers, mut refusals) = (0, 0);
    for (url, token) in &endpoints {
        for method in [
            reqwest::Method::GET,
            reqwest::Method::POST,
            reqwest::Method::PUT,
            reqwest::Method::DELETE,
        ] {
            for (ctype, body) in garbage() {
                let mut req = sim.http.request(method.clone(), url).body(body.clone());
                if !ctype.is_empty() {
                    req = req.header("Content-Type", ctype);
                }
                if let Some(t) = token {
                    req = req
                        .bearer_auth(t.expose())
                        .header("Content-Range", "bytes 9-1/18446744073709551615");
                }
                let resp = req
                    .send()
                    .await
                    .unwrap_or_else(|e| panic!("{method} {url} ({ctype}): no answer: {e}"));
                let status = resp.status().as_u16();
                let text = resp.text().await.unwrap();
                assert!(
                    status < 500,
                    "{method} {url} ({ctype}) answered {status}: {text}"
                );
                answers += 1;
                if status < 400 {
                    continue;
                }
                refusals += 1;
                if url.contains("graph.") {
                    let v: Value = serde_json::from_str(&text)
                        .unwrap_or_else(|_| panic!("{method} {url}: not JSON: {text}"));
                    assert!(
                        v["error"]["code"].is_number(),
                        "{method} {url}: not a Graph error: {text}"
                    );
                }
                if url.contains("/v2/post/publish/") {
                    let v: Value = serde_json::from_str(&text).unwrap();
                    assert!(
                        v["error"]["code"].is_string() && v["error"]["code"] != "ok",
                        "{method} {url}: {text}"
                    );
                }
            }
        }
    }
    assert!(
        refusals * 10 > answers * 9,
        "most garbage must be refused: {refusals} of {answers}"
    );
    // After all that, the sandbox still works.
    let ok = sim
        .get(
            &graph(&u.instagram_graph, "me"),
            &ig.access_token,
            &[("fields", "username")],
        )
        .await;
    assert_eq!(ok.ok()["username"], "ig");
}
