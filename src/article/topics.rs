//! The one reader of the support topics that a supportTopicDescription article's JSON payload
//! lists (`supportTopics[]` with `id`, `shortDescription`, `category`, `searchTags`): the
//! index's topic names and the article page's topic table both read them here.

use serde_json::Value;

/// One support topic a payload describes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SupportTopic {
    /// As written (some payloads give it as a number); never empty.
    pub id: String,
    /// `shortDescription`: what support agents call the topic.
    pub name: String,
    pub category: String,
    /// `searchTags` as written: `;`-separated.
    pub search_tags: String,
}

/// The topics of a payload's `supportTopics` list, in order; entries without an `id` are
/// left out. Strings are trimmed; numbers are written out; anything else reads as empty.
pub fn support_topics(payload: &Value) -> Vec<SupportTopic> {
    let Some(topics) = payload.get("supportTopics").and_then(Value::as_array) else {
        return Vec::new();
    };
    topics
        .iter()
        .map(|t| SupportTopic {
            id: text(t.get("id")),
            name: text(t.get("shortDescription")),
            category: text(t.get("category")),
            search_tags: text(t.get("searchTags")),
        })
        .filter(|t| !t.id.is_empty())
        .collect()
}

fn text(v: Option<&Value>) -> String {
    match v {
        Some(Value::String(s)) => s.trim().to_owned(),
        Some(Value::Number(n)) => n.to_string(),
        _ => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn topics_are_read_leniently() {
        let payload: Value = serde_json::from_str(
            r#"{"supportTopics": [
                {"id": " 32750101 ", "shortDescription": "Boot fails", "searchTags": "boot;rdp"},
                {"id": 32750102, "category": "VM"},
                {"shortDescription": "no id"},
                "not an object"
            ]}"#,
        )
        .expect("json");
        let topics = support_topics(&payload);
        assert_eq!(topics.len(), 2);
        assert_eq!(topics[0].id, "32750101");
        assert_eq!(topics[0].name, "Boot fails");
        assert_eq!(topics[0].search_tags, "boot;rdp");
        assert_eq!(
            (topics[1].id.as_str(), topics[1].category.as_str()),
            ("32750102", "VM")
        );
        assert!(support_topics(&serde_json::json!({"supportTopics": 1})).is_empty());
    }
}
