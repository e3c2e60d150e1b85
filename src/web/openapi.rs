//! The OpenAPI 3.1 document of the JSON API, derived by utoipa from the handlers in
//! [`super::api`]: their routes and parameters from `#[utoipa::path]`, the query of a search
//! from [`SearchQuery`](super::params::SearchQuery), and every response body from its type.
//!
//! The search core's types ([`SearchResponse`], [`Hit`], [`Facets`], [`FacetCount`],
//! [`TopicName`]) live below the web layer, which alone knows about the document; their
//! schemas are written here with utoipa's builders, and a test holds each to what the type
//! serializes (`every_field_served_is_in_the_document`), so that neither can change alone.
//! CI runs schemathesis against `kb serve` with this document and every check.

use std::sync::LazyLock;

use utoipa::openapi::content::ContentBuilder;
use utoipa::openapi::response::ResponseBuilder;
use utoipa::openapi::schema::{ArrayBuilder, ObjectBuilder, Schema, Type};
use utoipa::openapi::{Ref, RefOr};
use utoipa::{OpenApi, PartialSchema, ToSchema};

use super::api;
use super::error::ErrorBody;
use crate::search::lookup::{TopicName, TopicNameSource};
use crate::search::{Facet, FacetCount, Facets, Hit, SearchResponse};

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Self-help KB API",
        version = "1",
        description = "Search and read Azure self-help support articles. Every route is a GET \
            and answers JSON, but for an article's reply text (`text/plain`). Errors are \
            `{ \"error\": \"...\" }` with a 4xx status saying what was wrong and what is \
            allowed; a 5xx means a fault of the server."
    ),
    paths(
        api::search,
        api::facets,
        api::article,
        api::reply,
        api::topic,
        api::suggest,
        api::openapi,
        api::healthz
    ),
    modifiers(&Limits)
)]
struct ApiDoc;

/// What the middleware answers on any route before a handler runs ([`super::http`]): added
/// to every operation, from the same limits.
struct Limits;

impl utoipa::Modify for Limits {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let answers = [
            (
                "414",
                format!("The URL is longer than {} bytes.", super::http::MAX_URI),
            ),
            (
                "431",
                format!(
                    "The headers are longer than {} bytes or more than {}.",
                    super::http::MAX_HEADER_BYTES,
                    super::http::MAX_HEADERS
                ),
            ),
        ];
        for item in openapi.paths.paths.values_mut() {
            let Some(op) = item.get.as_mut() else {
                continue;
            };
            for (status, description) in &answers {
                let response = ResponseBuilder::new()
                    .description(description.clone())
                    .content(
                        "application/json",
                        ContentBuilder::new()
                            .schema(Some(Ref::from_schema_name(ErrorBody::name())))
                            .build(),
                    )
                    .build();
                op.responses
                    .responses
                    .entry((*status).to_owned())
                    .or_insert(response.into());
            }
        }
    }
}

/// The document as JSON, made once.
pub fn document() -> &'static str {
    static DOCUMENT: LazyLock<String> = LazyLock::new(|| {
        ApiDoc::openapi().to_pretty_json().unwrap_or_else(|e| {
            tracing::error!("writing the OpenAPI document: {e}");
            String::from("{}")
        })
    });
    &DOCUMENT
}

/// An object whose every listed property is required: serde writes every field.
fn object(description: &str, properties: Vec<(&str, RefOr<Schema>)>) -> RefOr<Schema> {
    let mut b = ObjectBuilder::new().description(Some(description));
    for (name, schema) in properties {
        b = b.property(name, schema).required(name);
    }
    b.into()
}

fn described(schema: RefOr<Schema>, description: &str) -> RefOr<Schema> {
    match schema {
        RefOr::T(Schema::Object(mut o)) => {
            o.description = Some(description.to_owned());
            RefOr::T(Schema::Object(o))
        }
        other => other,
    }
}

fn array_of<T: ToSchema>() -> RefOr<Schema> {
    ArrayBuilder::new()
        .items(Ref::from_schema_name(T::name()))
        .into()
}

fn reference<T: ToSchema>() -> RefOr<Schema> {
    Ref::from_schema_name(T::name()).into()
}

impl PartialSchema for SearchResponse {
    fn schema() -> RefOr<Schema> {
        object(
            "The answer to a search.",
            vec![
                ("total", u64::schema()),
                ("page", u64::schema()),
                ("per_page", u64::schema()),
                ("took_ms", f64::schema()),
                ("hits", array_of::<Hit>()),
                ("facets", reference::<Facets>()),
                (
                    "relaxed",
                    described(
                        bool::schema(),
                        "No article had every word; the results match any word.",
                    ),
                ),
            ],
        )
    }
}

impl ToSchema for SearchResponse {
    fn schemas(schemas: &mut Vec<(String, RefOr<Schema>)>) {
        schemas.push((Hit::name().into(), Hit::schema()));
        schemas.push((Facets::name().into(), Facets::schema()));
        schemas.push((FacetCount::name().into(), FacetCount::schema()));
    }
}

impl PartialSchema for Hit {
    fn schema() -> RefOr<Schema> {
        object(
            "One result.",
            vec![
                (
                    "path",
                    described(
                        String::schema(),
                        "Relative to the articles root, with `.md`.",
                    ),
                ),
                ("article_id", String::schema()),
                ("title", String::schema()),
                ("description", String::schema()),
                ("service", String::schema()),
                ("resource", String::schema()),
                ("self_help_type", String::schema()),
                ("support_topic_ids", Vec::<String>::schema()),
                (
                    "snippet",
                    described(
                        String::schema(),
                        "HTML: the best passage, matched words in <mark>, everything else \
                         escaped.",
                    ),
                ),
                ("score", f64::schema()),
            ],
        )
    }
}

impl ToSchema for Hit {}

impl PartialSchema for Facets {
    fn schema() -> RefOr<Schema> {
        object(
            "Counts per facet, each sorted by count, then value.",
            Facet::ALL
                .into_iter()
                .map(|f| (f.name(), array_of::<FacetCount>()))
                .collect(),
        )
    }
}

impl ToSchema for Facets {
    fn name() -> std::borrow::Cow<'static, str> {
        "Facets".into()
    }

    fn schemas(schemas: &mut Vec<(String, RefOr<Schema>)>) {
        schemas.push((FacetCount::name().into(), FacetCount::schema()));
    }
}

impl PartialSchema for FacetCount {
    fn schema() -> RefOr<Schema> {
        object(
            "A facet value and how many results it has (or would have, when ticked).",
            vec![("value", String::schema()), ("count", u64::schema())],
        )
    }
}

impl ToSchema for FacetCount {}

impl PartialSchema for TopicName {
    fn schema() -> RefOr<Schema> {
        object(
            "The name of a support topic and the article that gives it.",
            vec![
                ("name", String::schema()),
                (
                    "path",
                    described(String::schema(), "The article the name was read from."),
                ),
                ("source", reference::<TopicNameSource>()),
            ],
        )
    }
}

impl ToSchema for TopicName {
    fn schemas(schemas: &mut Vec<(String, RefOr<Schema>)>) {
        schemas.push((TopicNameSource::name().into(), TopicNameSource::schema()));
    }
}

impl PartialSchema for TopicNameSource {
    fn schema() -> RefOr<Schema> {
        ObjectBuilder::new()
            .schema_type(Type::String)
            .description(Some("Which kind of article gave the name."))
            .enum_values(Some(["supportTopicDescription", "problemScopingQuestions"]))
            .into()
    }
}

impl ToSchema for TopicNameSource {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_document_lists_every_route_and_resolves_every_reference() {
        let doc: serde_json::Value = serde_json::from_str(document()).expect("json");
        let paths: Vec<&str> = doc["paths"]
            .as_object()
            .expect("paths")
            .keys()
            .map(String::as_str)
            .collect();
        assert_eq!(
            paths,
            [
                "/api/search",
                "/api/facets",
                "/api/articles/{path}",
                "/api/articles/{path}/reply",
                "/api/topics/{id}",
                "/api/suggest",
                "/api/openapi.json",
                "/healthz"
            ]
        );
        let text = document();
        let mut rest = text;
        while let Some(i) = rest.find("\"#/components/schemas/") {
            let name = &rest[i + 22..];
            let name = &name[..name.find('"').expect("a closing quote")];
            assert!(
                doc["components"]["schemas"][name].is_object(),
                "{name} is referenced but not defined"
            );
            rest = &rest[i + 22..];
        }
    }
}
