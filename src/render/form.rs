//! The JSON payload of an article as a read-only preview: the questions of a
//! problemScopingQuestions form, or the topics of a supportTopicDescription.
//!
//! The JSON is written by hand across many teams, so keys are matched in any case
//! (`displayLabel` and `displaylabel` both occur) and every field is optional. All text is
//! escaped; the one field that holds HTML (an info block's `content`) goes through the
//! Markdown renderer like an article body. The result is sanitized like everything else.

use serde_json::{Map, Value};

use super::{LinkContext, escape, render_markdown, sanitize};

/// Read-only HTML preview of a problemScopingQuestions form (formElements: displayLabel,
/// controlType, dropdownOptions, watermarkText, required, hints), or of a
/// supportTopicDescription's topics list; `None` for other payloads.
pub fn payload_html(payload: &Value) -> Option<String> {
    let object = payload.as_object()?;
    let html = if let Some(fields) = get(object, "formElements").and_then(Value::as_array) {
        form(object, fields)
    } else if let Some(topics) = get(object, "supportTopics").and_then(Value::as_array) {
        topic_list(object, topics)
    } else {
        return None;
    };
    Some(sanitize(&html))
}

/// The value of `key` in any case.
fn get<'v>(object: &'v Map<String, Value>, key: &str) -> Option<&'v Value> {
    object.get(key).or_else(|| {
        object
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(key))
            .map(|(_, v)| v)
    })
}

/// A string (or number, or boolean) field, trimmed; `None` when absent or blank.
fn text<'v>(object: &'v Map<String, Value>, key: &str) -> Option<std::borrow::Cow<'v, str>> {
    let s = match get(object, key)? {
        Value::String(s) => std::borrow::Cow::Borrowed(s.trim()),
        Value::Number(n) => std::borrow::Cow::Owned(n.to_string()),
        Value::Bool(b) => std::borrow::Cow::Owned(b.to_string()),
        _ => return None,
    };
    (!s.is_empty()).then_some(s)
}

fn truthy(object: &Map<String, Value>, key: &str) -> bool {
    match get(object, key) {
        Some(Value::Bool(b)) => *b,
        Some(Value::String(s)) => s.trim().eq_ignore_ascii_case("true"),
        _ => false,
    }
}

/// `<tag class="class">text</tag>`.
fn element(out: &mut String, tag: &str, class: &str, text: &str) {
    out.push_str(&format!("<{tag} class=\"{class}\">"));
    escape::text(out, text);
    out.push_str(&format!("</{tag}>"));
}

/// What a reader calls each control.
fn control_name(control: &str) -> &str {
    match control.to_ascii_lowercase().as_str() {
        "dropdown" => "Dropdown",
        "multiselectdropdown" => "Multi-select dropdown",
        "radiobuttongroup" => "Choice",
        "datetimepicker" => "Date and time",
        "textbox" => "Text",
        "multilinetextbox" => "Text, several lines",
        "numerictextbox" => "Number",
        "infoblock" | "textblock" => "Information",
        _ => control,
    }
}

/// The texts of an options array (`[{"value": ..., "text": ...}]`); an object counts as one.
fn option_texts(value: Option<&Value>) -> Vec<String> {
    let items: Vec<&Value> = match value {
        Some(Value::Array(a)) => a.iter().collect(),
        Some(v @ Value::Object(_)) => vec![v],
        _ => Vec::new(),
    };
    items
        .into_iter()
        .filter_map(|item| match item {
            Value::Object(o) => text(o, "text").or_else(|| text(o, "value")),
            Value::String(s) => Some(std::borrow::Cow::Borrowed(s.trim())),
            _ => None,
        })
        .filter(|s| !s.is_empty())
        .map(|s| s.into_owned())
        .collect()
}

fn list(out: &mut String, class: &str, items: &[String]) {
    if items.is_empty() {
        return;
    }
    out.push_str(&format!("<ul class=\"{class}\">"));
    for item in items {
        out.push_str("<li>");
        escape::text(out, item);
        out.push_str("</li>");
    }
    out.push_str("</ul>");
}

fn form(object: &Map<String, Value>, fields: &[Value]) -> String {
    let mut out = String::from("<div class=\"kb-form\">");
    if let Some(title) = text(object, "title") {
        element(&mut out, "p", "kb-form-title", &title);
    }
    let mut fields: Vec<&Map<String, Value>> = fields.iter().filter_map(Value::as_object).collect();
    // The portal shows questions by `order`; those without one keep their place at the end.
    fields.sort_by_key(|f| get(f, "order").and_then(Value::as_i64).unwrap_or(i64::MAX));
    out.push_str("<ol class=\"kb-form-fields\">");
    for field in fields {
        field_html(&mut out, field);
    }
    out.push_str("</ol>");
    if let Some(hint) = text(object, "fileAttachmentHint") {
        element(
            &mut out,
            "p",
            "kb-form-attachment",
            &format!("File upload: {hint}"),
        );
    }
    out.push_str("</div>");
    out
}

fn field_html(out: &mut String, field: &Map<String, Value>) {
    let control = text(field, "controlType").unwrap_or_default();
    let informative = matches!(control_name(&control), "Information");
    // A question without a label shows its id; an information block needs neither.
    let label = text(field, "displayLabel")
        .or_else(|| (!informative).then(|| text(field, "id")).flatten())
        .unwrap_or_default();
    out.push_str("<li class=\"kb-form-field\"><p class=\"kb-form-label\">");
    escape::text(out, &label);
    if truthy(field, "required") {
        out.push_str(" <span class=\"kb-form-required\">(required)</span>");
    }
    if !control.is_empty() {
        if !label.is_empty() {
            out.push(' ');
        }
        out.push_str("<span class=\"kb-form-control\">");
        escape::text(out, control_name(&control));
        out.push_str("</span>");
    }
    out.push_str("</p>");
    if let Some(w) = text(field, "watermarkText") {
        element(out, "p", "kb-form-watermark", &w);
    }
    let mut options = option_texts(get(field, "dropdownOptions"));
    options.extend(option_texts(get(field, "radioButtonOptions")));
    if let Some(Value::Object(dynamic)) = get(field, "dynamicDropdownOptions") {
        element(
            out,
            "p",
            "kb-form-note",
            "More options are loaded from your Azure resources in the portal.",
        );
        options.extend(option_texts(get(dynamic, "defaultDropdownOptions")));
    }
    list(out, "kb-form-options", &options);
    let hints: Vec<String> = option_texts(get(field, "hints"));
    list(out, "kb-form-hints", &hints);
    if let Some(info) = text(field, "infoBalloonText") {
        element(out, "p", "kb-form-info", &info);
    }
    if let Some(content) = text(field, "content") {
        out.push_str("<div class=\"kb-form-content\">");
        out.push_str(&render_markdown(&content, &LinkContext::default()));
        out.push_str("</div>");
    }
    if let Some(visibility) = text(field, "visibility") {
        element(
            out,
            "p",
            "kb-form-visibility",
            &format!("Shown when: {visibility}"),
        );
    }
    out.push_str("</li>");
}

fn topic_list(object: &Map<String, Value>, topics: &[Value]) -> String {
    let mut out = String::from("<div class=\"kb-topics\">");
    if let Some(d) = text(object, "longDescription").or_else(|| text(object, "shortDescription")) {
        element(&mut out, "p", "kb-topic-description", &d);
    }
    out.push_str("<ul class=\"kb-topic-list\">");
    for topic in topics.iter().filter_map(Value::as_object) {
        out.push_str("<li class=\"kb-topic\">");
        let title = text(topic, "shortDescription")
            .or_else(|| text(topic, "title"))
            .or_else(|| text(topic, "id"))
            .unwrap_or_default();
        element(&mut out, "p", "kb-topic-title", &title);
        if let Some(long) = text(topic, "longDescription") {
            element(&mut out, "p", "kb-topic-description", &long);
        }
        let id = text(topic, "id");
        let category = text(topic, "category");
        if id.is_some() || category.is_some() {
            out.push_str("<p class=\"kb-topic-meta\">");
            if let Some(c) = &category {
                escape::text(&mut out, c);
                out.push(' ');
            }
            if let Some(id) = &id {
                out.push_str("<code class=\"kb-topic-id\">");
                escape::text(&mut out, id);
                out.push_str("</code>");
            }
            out.push_str("</p>");
        }
        let tags: Vec<String> = text(topic, "searchTags")
            .map(|t| {
                t.split([';', ','])
                    .map(str::trim)
                    .filter(|s| !s.is_empty())
                    .map(str::to_owned)
                    .collect()
            })
            .unwrap_or_default();
        list(&mut out, "kb-topic-tags", &tags);
        out.push_str("</li>");
    }
    out.push_str("</ul></div>");
    out
}
