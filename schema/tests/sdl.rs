//! The exported SDL is checked in, and every part of the public schema is documented.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code fails loudly

use async_graphql::parser::parse_schema;
use async_graphql::parser::types::{TypeKind, TypeSystemDefinition};

const REGENERATE: &str = "cargo run -p api -- print-schema > schema/schema.graphql";

#[test]
fn checked_in_sdl_matches_the_code() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/schema.graphql");
    let on_disk = std::fs::read_to_string(path).unwrap_or_default();
    let from_code = schema::sdl();
    assert!(
        on_disk == from_code,
        "schema/schema.graphql differs from the code; regenerate it with `{REGENERATE}`"
    );
}

#[test]
fn every_type_field_argument_and_enum_value_is_described() {
    let doc = parse_schema(schema::sdl()).expect("the SDL parses");
    let mut missing = Vec::new();
    for def in &doc.definitions {
        let TypeSystemDefinition::Type(ty) = def else {
            continue;
        };
        let ty = &ty.node;
        let name = ty.name.node.as_str();
        if ty.description.is_none() {
            missing.push(name.to_string());
        }
        match &ty.kind {
            TypeKind::Object(o) => {
                for f in &o.fields {
                    let f = &f.node;
                    if f.description.is_none() {
                        missing.push(format!("{name}.{}", f.name.node));
                    }
                    for a in &f.arguments {
                        if a.node.description.is_none() {
                            missing.push(format!("{name}.{}({})", f.name.node, a.node.name.node));
                        }
                    }
                }
            }
            TypeKind::Interface(i) => {
                for f in &i.fields {
                    if f.node.description.is_none() {
                        missing.push(format!("{name}.{}", f.node.name.node));
                    }
                }
            }
            TypeKind::Enum(e) => {
                for v in &e.values {
                    if v.node.description.is_none() {
                        missing.push(format!("{name}.{}", v.node.value.node));
                    }
                }
            }
            TypeKind::InputObject(i) => {
                for f in &i.fields {
                    if f.node.description.is_none() {
                        missing.push(format!("{name}.{}", f.node.name.node));
                    }
                }
            }
            TypeKind::Scalar | TypeKind::Union(_) => {}
        }
    }
    assert!(
        missing.is_empty(),
        "undocumented schema elements: {missing:#?}"
    );
}
