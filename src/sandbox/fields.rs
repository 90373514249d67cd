//! Graph's read conventions, shared by the three Graph hosts: `fields=` selection with nested
//! selections (`children{media_type,id}`), cursor paging and timestamps (docs/platform-rules.md
//! §1.6).
//!
//! # Guarantees
//! - `id` is always answered for a node (as Graph does), also inside nested selections.
//! - An unknown field, at any depth, is refused with code 100 naming the field and node type;
//!   a field with no value on this node is left out, never answered as `null`.
//! - Without a nested selection an edge (`children`) shows each item's `id` only, as Graph
//!   does; a struct (`attachments`, `images`, `owner`) shows all of its fields.
//! - Modifiers (`comments.limit(5)`) are accepted and ignored.

use serde_json::{Map, Value};

use super::engine::Engine;
use super::errors::GraphError;
use super::graph::GraphCall;
use super::request::Params;

/// One requested field: `name`, `name.modifier(...)`, `name{sub,fields}`.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Field {
    pub name: String,
    pub sub: Option<Vec<Field>>,
}

/// Parses a `fields` value. JSON-array spellings (`["id","caption"]`) are accepted too.
pub(crate) fn parse_fields(raw: &str) -> Result<Vec<Field>, GraphError> {
    let cleaned: String = raw
        .trim()
        .trim_start_matches('[')
        .trim_end_matches(']')
        .chars()
        .filter(|c| *c != '"')
        .collect();
    let chars: Vec<char> = cleaned.chars().collect();
    let mut at = 0;
    let fields = parse_list(&chars, &mut at, 0)?;
    if at < chars.len() {
        return Err(syntax(&cleaned));
    }
    Ok(fields)
}

fn syntax(raw: &str) -> GraphError {
    GraphError::invalid_param(format!("Syntax error in the fields parameter: {raw}"))
}

/// A comma-separated list up to a closing `}` (when nested) or the end.
fn parse_list(chars: &[char], at: &mut usize, depth: usize) -> Result<Vec<Field>, GraphError> {
    let raw = || chars.iter().collect::<String>();
    if depth > 8 {
        return Err(syntax(&raw()));
    }
    let mut fields = Vec::new();
    loop {
        let mut name = String::new();
        while let Some(&c) = chars.get(*at) {
            if matches!(c, ',' | '{' | '}' | '.' | '(' | ')') {
                break;
            }
            name.push(c);
            *at += 1;
        }
        let mut sub = None;
        // Modifiers and one nested selection, in either order: `a.limit(2){b}`, `a{b}.limit(2)`.
        loop {
            match chars.get(*at) {
                Some('.') => {
                    *at += 1;
                    while chars
                        .get(*at)
                        .is_some_and(|c| c.is_alphanumeric() || *c == '_')
                    {
                        *at += 1;
                    }
                    if chars.get(*at) == Some(&'(') {
                        let close = chars[*at..]
                            .iter()
                            .position(|c| *c == ')')
                            .ok_or_else(|| syntax(&raw()))?;
                        *at += close + 1;
                    }
                }
                Some('{') if sub.is_none() => {
                    *at += 1;
                    sub = Some(parse_list(chars, at, depth + 1)?);
                    if chars.get(*at) != Some(&'}') {
                        return Err(syntax(&raw()));
                    }
                    *at += 1;
                }
                _ => break,
            }
        }
        let name = name.trim().to_owned();
        if !name.is_empty() {
            fields.push(Field { name, sub });
        } else if sub.is_some() {
            return Err(syntax(&raw()));
        }
        match chars.get(*at) {
            Some(',') => *at += 1,
            Some('}') if depth > 0 => return Ok(fields),
            None => return Ok(fields),
            Some(_) => return Err(syntax(&raw())),
        }
    }
}

/// The node type Graph names in errors about a nested field.
fn nested_type<'a>(parent: &'a str, field: &'a str) -> &'a str {
    match field {
        "children" => parent,
        "attachments" | "subattachments" => "StoryAttachment",
        "owner" => "User",
        "images" => "PlatformImageSource",
        other => other,
    }
}

/// `fields` of one node (a JSON object with every field the node has).
fn project(
    node_type: &str,
    all: &Map<String, Value>,
    wanted: &[Field],
) -> Result<Value, GraphError> {
    let mut out = Map::new();
    for f in wanted {
        match all.get(f.name.as_str()) {
            Some(Value::Null) => {}
            Some(v) => {
                let sub = f.sub.as_deref();
                let v = nested(nested_type(node_type, &f.name), &f.name, v, sub)?;
                out.insert(f.name.clone(), v);
            }
            None => {
                return Err(GraphError::invalid_param(format!(
                    "Tried accessing nonexisting field ({}) on node type ({node_type})",
                    f.name
                )));
            }
        }
    }
    if let Some(id) = all.get("id") {
        out.insert("id".into(), id.clone());
    }
    Ok(Value::Object(out))
}

/// A field's value under an optional nested selection.
fn nested(
    node_type: &str,
    name: &str,
    value: &Value,
    sub: Option<&[Field]>,
) -> Result<Value, GraphError> {
    let each = |items: &[Value], sub: &[Field]| {
        items
            .iter()
            .map(|item| match item {
                Value::Object(m) => project(node_type, m, sub),
                _ => Err(no_nesting(name)),
            })
            .collect::<Result<Vec<_>, _>>()
    };
    let edge = value.get("data").and_then(Value::as_array);
    match (sub, edge) {
        // An edge of nodes shows their ids by default.
        (None, Some(items)) if items.iter().all(|i| i.get("id").is_some()) => {
            let ids: Vec<Value> = items
                .iter()
                .map(|i| serde_json::json!({ "id": i["id"] }))
                .collect();
            Ok(serde_json::json!({ "data": ids }))
        }
        (None, _) => Ok(value.clone()),
        (Some(sub), Some(items)) => {
            let mut out = value.clone();
            out["data"] = Value::Array(each(items, sub)?);
            Ok(out)
        }
        (Some(sub), None) => match value {
            Value::Array(items) => Ok(Value::Array(each(items, sub)?)),
            Value::Object(m) => project(node_type, m, sub),
            _ => Err(no_nesting(name)),
        },
    }
}

fn no_nesting(name: &str) -> GraphError {
    GraphError::invalid_param(format!("Field {name} does not take a nested selection"))
}

/// Graph's field selection over a node's full set of fields; `default` when no `fields`.
pub(crate) fn select(
    node_type: &str,
    all: Map<String, Value>,
    params: &Params,
    default: &[&str],
) -> Result<Value, GraphError> {
    let wanted: Vec<Field> = match params.text("fields") {
        Some(raw) => parse_fields(raw)?,
        None => default
            .iter()
            .map(|s| Field {
                name: (*s).to_owned(),
                sub: None,
            })
            .collect(),
    };
    project(node_type, &all, &wanted)
}

/// A Graph list: `{data, paging}`, `limit` items from the `after` cursor, newest first as
/// given, with `paging.next` when more remain (Graph's cursor paging).
pub(crate) fn paged(
    engine: &Engine,
    call: &GraphCall,
    items: Vec<Value>,
) -> Result<Value, GraphError> {
    use base64::Engine as _;
    let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let limit = call.params.int("limit")?.unwrap_or(25).clamp(1, 100) as usize;
    let start = match call.params.text("after") {
        None => 0,
        Some(c) => b64
            .decode(c)
            .ok()
            .and_then(|b| String::from_utf8(b).ok())
            .and_then(|s| s.parse::<usize>().ok())
            .ok_or_else(|| GraphError::invalid_param("Param after is not a valid cursor"))?,
    };
    let total = items.len();
    let data: Vec<Value> = items.into_iter().skip(start).take(limit).collect();
    let cursor = |n: usize| b64.encode(n.to_string());
    let mut paging = serde_json::json!({ "cursors": { "before": cursor(start), "after": cursor(start + data.len()) } });
    if start + data.len() < total {
        let (path, query) = &call.path_and_query;
        let mut pairs: Vec<(String, String)> = query
            .as_deref()
            .map(super::request::parse_urlencoded)
            .unwrap_or_default()
            .into_iter()
            .filter(|(k, _)| k != "after")
            .collect();
        pairs.push(("after".into(), cursor(start + data.len())));
        let mut q = form_urlencoded::Serializer::new(String::new());
        q.extend_pairs(pairs);
        paging["next"] = Value::String(format!("{}{path}?{}", engine.urls.root, q.finish()));
    }
    Ok(serde_json::json!({ "data": data, "paging": paging }))
}

/// Graph timestamps: `2026-11-22T09:00:00+0000` (docs/platform-rules.md §1.6 `timestamp`).
pub(crate) fn graph_time(t: chrono::DateTime<chrono::Utc>) -> String {
    t.format("%Y-%m-%dT%H:%M:%S+0000").to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn names(fields: &[Field]) -> Vec<String> {
        fields.iter().map(|f| f.name.clone()).collect()
    }

    #[test]
    fn fields_parse_with_nested_selections_and_modifiers() {
        let f =
            parse_fields("id,children{id,media_type},comments.limit(5){text}, caption").unwrap();
        assert_eq!(names(&f), ["id", "children", "comments", "caption"]);
        assert_eq!(names(f[1].sub.as_ref().unwrap()), ["id", "media_type"]);
        assert_eq!(names(f[2].sub.as_ref().unwrap()), ["text"]);
        let f = parse_fields("a{b{c,d}}.limit(2),e").unwrap();
        let b = &f[0].sub.as_ref().unwrap()[0];
        assert_eq!(names(b.sub.as_ref().unwrap()), ["c", "d"]);
        assert_eq!(
            names(&parse_fields("[\"id\",\"caption\"]").unwrap()),
            ["id", "caption"]
        );
        assert!(parse_fields("").unwrap().is_empty());
        for bad in ["a{b", "a}b", "a{b{c}", "a.limit(2", "{b}"] {
            assert_eq!(parse_fields(bad).unwrap_err().code, 100, "{bad}");
        }
    }

    fn params(fields: &str) -> Params {
        Params::from_pairs(vec![("fields".into(), fields.into())])
    }

    fn node() -> Map<String, Value> {
        let Value::Object(m) = json!({
            "id": "1",
            "status_code": "FINISHED",
            "caption": null,
            "children": { "data": [
                { "id": "2", "media_type": "IMAGE" },
                { "id": "3", "media_type": "VIDEO" }
            ] },
            "owner": { "id": "9" }
        }) else {
            unreachable!()
        };
        m
    }

    #[test]
    fn select_keeps_id_and_refuses_unknown_fields_at_any_depth() {
        assert_eq!(
            select("IGMedia", node(), &params("status_code,caption"), &["id"]).unwrap(),
            json!({"id":"1","status_code":"FINISHED"})
        );
        assert_eq!(
            select("IGMedia", node(), &params("nope"), &["id"])
                .unwrap_err()
                .code,
            100
        );
        let e = select("IGMedia", node(), &params("children{nope}"), &["id"]).unwrap_err();
        assert!(
            e.message.contains("(nope) on node type (IGMedia)"),
            "{}",
            e.message
        );
        let e = select("IGMedia", node(), &params("status_code{x}"), &["id"]).unwrap_err();
        assert_eq!(e.code, 100);
    }

    #[test]
    fn edges_show_ids_unless_a_nested_selection_asks_for_more() {
        assert_eq!(
            select("IGMedia", node(), &params("children"), &["id"]).unwrap()["children"],
            json!({ "data": [{ "id": "2" }, { "id": "3" }] })
        );
        assert_eq!(
            select("IGMedia", node(), &params("children{media_type}"), &["id"]).unwrap()["children"],
            json!({ "data": [{ "id": "2", "media_type": "IMAGE" }, { "id": "3", "media_type": "VIDEO" }] })
        );
        assert_eq!(
            select("IGMedia", node(), &params("owner"), &["id"]).unwrap()["owner"],
            json!({ "id": "9" })
        );
    }
}
