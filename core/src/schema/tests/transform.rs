//! SimpleSchema text → exact OpenAPI JSON, one case per type and marker.

use serde_json::json;

use super::support::spec_json;

#[track_caller]
fn check(yaml: &str, expected: serde_json::Value) {
    assert_eq!(spec_json(yaml), expected, "for:\n{yaml}");
}

#[test]
fn scalar_types() {
    check(
        "spec:\n  s: string\n  i: integer\n  b: boolean\n  f: float\n",
        json!({
            "type": "object",
            "properties": {
                "s": {"type": "string"},
                "i": {"type": "integer"},
                "b": {"type": "boolean"},
                "f": {"type": "number"},
            }
        }),
    );
}

#[test]
fn object_keeps_unknown_fields() {
    check(
        "spec:\n  values: object\n",
        json!({
            "type": "object",
            "properties": {"values": {"type": "object", "x-kubernetes-preserve-unknown-fields": true}}
        }),
    );
}

#[test]
fn lists_and_maps_nest() {
    check(
        r#"spec:
  tags: "[]string"
  matrix: "[][]integer"
  labels: "map[string]string"
  byTeam: "map[string][]string"
  listOfMaps: "[]map[string]boolean"
  nested: "map[string]map[string]float"
"#,
        json!({
            "type": "object",
            "properties": {
                "tags": {"type": "array", "items": {"type": "string"}},
                "matrix": {"type": "array", "items": {"type": "array", "items": {"type": "integer"}}},
                "labels": {"type": "object", "additionalProperties": {"type": "string"}},
                "byTeam": {
                    "type": "object",
                    "additionalProperties": {"type": "array", "items": {"type": "string"}}
                },
                "listOfMaps": {
                    "type": "array",
                    "items": {"type": "object", "additionalProperties": {"type": "boolean"}}
                },
                "nested": {
                    "type": "object",
                    "additionalProperties": {
                        "type": "object",
                        "additionalProperties": {"type": "number"}
                    }
                },
            }
        }),
    );
}

#[test]
fn nested_mappings_are_objects() {
    check(
        "spec:\n  outer:\n    inner:\n      name: string\n    empty: {}\n",
        json!({
            "type": "object",
            "properties": {
                "outer": {
                    "type": "object",
                    "properties": {
                        "inner": {"type": "object", "properties": {"name": {"type": "string"}}},
                        "empty": {"type": "object"},
                    }
                }
            }
        }),
    );
}

#[test]
fn empty_or_missing_spec_is_an_empty_object() {
    check("spec:\n", json!({"type": "object"}));
    check("other: 1\n", json!({"type": "object"}));
}

#[test]
fn custom_types_expand_inline() {
    check(
        r#"spec:
  address: Address
  friends: "[]Person"
  byName: "map[string][]Person"
types:
  Address:
    street: string
    city: string
  Person:
    name: string
    home: Address
"#,
        json!({
            "type": "object",
            "properties": {
                "address": {
                    "type": "object",
                    "properties": {"street": {"type": "string"}, "city": {"type": "string"}}
                },
                "friends": {
                    "type": "array",
                    "items": {
                        "type": "object",
                        "properties": {
                            "name": {"type": "string"},
                            "home": {
                                "type": "object",
                                "properties": {"street": {"type": "string"}, "city": {"type": "string"}}
                            }
                        }
                    }
                },
                "byName": {
                    "type": "object",
                    "additionalProperties": {
                        "type": "array",
                        "items": {
                            "type": "object",
                            "properties": {
                                "name": {"type": "string"},
                                "home": {
                                    "type": "object",
                                    "properties": {"street": {"type": "string"}, "city": {"type": "string"}}
                                }
                            }
                        }
                    }
                },
            }
        }),
    );
}

#[test]
fn alias_carries_its_markers_and_requiredness() {
    check(
        r#"spec:
  myValue: myType
  others: "[]myType"
types:
  myType: string | required=true description="my description"
"#,
        json!({
            "type": "object",
            "required": ["myValue"],
            "properties": {
                "myValue": {"type": "string", "description": "my description"},
                "others": {"type": "array", "items": {"type": "string", "description": "my description"}},
            }
        }),
    );
}

#[test]
fn alias_of_alias_and_use_site_markers() {
    check(
        r#"spec:
  port: Port | description="the port" maximum=8080
types:
  Number: integer | minimum=1
  Port: Number | default=80
"#,
        json!({
            "type": "object",
            "default": {},
            "properties": {
                "port": {
                    "type": "integer",
                    "minimum": 1,
                    "maximum": 8080,
                    "default": 80,
                    "description": "the port"
                }
            }
        }),
    );
}

#[test]
fn required_lists_are_sorted_and_unique() {
    check(
        "spec:\n  zeta: string | required=true\n  alpha: Name | required=true\n  mid: string | required=false\ntypes:\n  Name: string | required=true\n",
        json!({
            "type": "object",
            "required": ["alpha", "zeta"],
            "properties": {
                "zeta": {"type": "string"},
                "alpha": {"type": "string"},
                "mid": {"type": "string"},
            }
        }),
    );
}

#[test]
fn go_boolean_spellings_are_accepted() {
    check(
        "spec:\n  a: string | required=True\n  b: boolean | default=F\n  c: boolean | default=1\n",
        json!({
            "type": "object",
            "required": ["a"],
            "properties": {
                "a": {"type": "string"},
                "b": {"type": "boolean", "default": false},
                "c": {"type": "boolean", "default": true},
            }
        }),
    );
}

#[test]
fn defaults_are_typed_by_the_field() {
    check(
        r#"spec:
  name: string | default=web
  quoted: string | default="hello world"
  quote: 'string | default="say \"hi\""'
  empty: string | default=""
  count: integer | default=-3
  ratio: float | default=0.5
  whole: float | default=2
  enabled: boolean | default=true
  tags: '[]string | default=["a", "b"]'
  labels: 'map[string]string | default={"team": "core"}'
  extra: 'object | default={"a": {"b": 1}}'
"#,
        json!({
            "type": "object",
            "default": {},
            "properties": {
                "name": {"type": "string", "default": "web"},
                "quoted": {"type": "string", "default": "hello world"},
                "quote": {"type": "string", "default": "say \"hi\""},
                "empty": {"type": "string", "default": ""},
                "count": {"type": "integer", "default": -3},
                "ratio": {"type": "number", "default": 0.5},
                "whole": {"type": "number", "default": 2},
                "enabled": {"type": "boolean", "default": true},
                "tags": {"type": "array", "items": {"type": "string"}, "default": ["a", "b"]},
                "labels": {
                    "type": "object",
                    "additionalProperties": {"type": "string"},
                    "default": {"team": "core"}
                },
                "extra": {
                    "type": "object",
                    "x-kubernetes-preserve-unknown-fields": true,
                    "default": {"a": {"b": 1}}
                },
            }
        }),
    );
}

#[test]
fn a_quoted_number_is_still_a_number_default() {
    check(
        "spec:\n  num: 'integer | default=\"5\"'\n",
        json!({"type": "object", "default": {}, "properties": {"num": {"type": "integer", "default": 5}}}),
    );
}

#[test]
fn enums_of_strings_and_integers() {
    check(
        r#"spec:
  tier: string | enum="free,pro" default="free"
  spaced: string | enum="a, b ,c"
  plain: string | enum=x,y
  size: integer | enum="1,2,3"
"#,
        json!({
            "type": "object",
            "default": {},
            "properties": {
                "tier": {"type": "string", "enum": ["free", "pro"], "default": "free"},
                "spaced": {"type": "string", "enum": ["a", "b", "c"]},
                "plain": {"type": "string", "enum": ["x", "y"]},
                "size": {"type": "integer", "enum": [1, 2, 3]},
            }
        }),
    );
}

#[test]
fn numeric_and_string_constraints() {
    check(
        r#"spec:
  replicas: integer | minimum=1 maximum=20
  ratio: float | minimum=0.5 maximum=99.5
  name: string | minLength=3 maxLength=20 pattern="^[a-z]+$"
  special: string | pattern="^(foo|bar)\\d{2,4}$"
"#,
        json!({
            "type": "object",
            "properties": {
                "replicas": {"type": "integer", "minimum": 1, "maximum": 20},
                "ratio": {"type": "number", "minimum": 0.5, "maximum": 99.5},
                "name": {"type": "string", "minLength": 3, "maxLength": 20, "pattern": "^[a-z]+$"},
                "special": {"type": "string", "pattern": "^(foo|bar)\\d{2,4}$"},
            }
        }),
    );
}

#[test]
fn list_markers() {
    check(
        r#"spec:
  unique: "[]string | uniqueItems=true minItems=1 maxItems=8"
  notUnique: "[]string | uniqueItems=false"
  atomic: "[]string | listType=atomic"
  set: "[]string | listType=set uniqueItems=true"
  zero: "[]integer | minItems=0"
"#,
        json!({
            "type": "object",
            "properties": {
                "unique": {
                    "type": "array",
                    "items": {"type": "string"},
                    "x-kubernetes-list-type": "set",
                    "minItems": 1,
                    "maxItems": 8
                },
                "notUnique": {"type": "array", "items": {"type": "string"}},
                "atomic": {"type": "array", "items": {"type": "string"}, "x-kubernetes-list-type": "atomic"},
                "set": {"type": "array", "items": {"type": "string"}, "x-kubernetes-list-type": "set"},
                "zero": {"type": "array", "items": {"type": "integer"}, "minItems": 0},
            }
        }),
    );
}

#[test]
fn map_lists_with_keys() {
    check(
        r#"spec:
  ports: "[]Port | listType=map listMapKey=name listMapKey=protocol"
types:
  Port:
    name: string | required=true
    protocol: string | default=TCP
    number: integer
"#,
        json!({
            "type": "object",
            "properties": {
                "ports": {
                    "type": "array",
                    "x-kubernetes-list-type": "map",
                    "x-kubernetes-list-map-keys": ["name", "protocol"],
                    "items": {
                        "type": "object",
                        "required": ["name"],
                        "properties": {
                            "name": {"type": "string"},
                            "protocol": {"type": "string", "default": "TCP"},
                            "number": {"type": "integer"},
                        }
                    }
                }
            }
        }),
    );
}

#[test]
fn immutable_and_validation_rules_keep_marker_order() {
    check(
        r#"spec:
  id: string | immutable=true validation="self.size() > 0"
  other: string | validation="self != 'x'" immutable=true
  mutable: string | immutable=false
"#,
        json!({
            "type": "object",
            "properties": {
                "id": {
                    "type": "string",
                    "x-kubernetes-validations": [
                        {"rule": "self == oldSelf", "message": "field is immutable"},
                        {"rule": "self.size() > 0", "message": "validation failed"},
                    ]
                },
                "other": {
                    "type": "string",
                    "x-kubernetes-validations": [
                        {"rule": "self != 'x'", "message": "validation failed"},
                        {"rule": "self == oldSelf", "message": "field is immutable"},
                    ]
                },
                "mutable": {"type": "string"},
            }
        }),
    );
}

#[test]
fn description_keeps_unknown_escapes() {
    check(
        r#"spec:
  d: 'string | description="This has \"quotes\" and a \n newline"'
"#,
        json!({
            "type": "object",
            "properties": {"d": {"type": "string", "description": "This has \"quotes\" and a \\n newline"}}
        }),
    );
}

#[test]
fn markers_may_hold_pipes_and_equals() {
    check(
        r#"spec:
  s: 'string | description="a | b = c" validation="self == ''x'' || self == ''y''"'
"#,
        json!({
            "type": "object",
            "properties": {"s": {
                "type": "string",
                "description": "a | b = c",
                "x-kubernetes-validations": [{"rule": "self == 'x' || self == 'y'", "message": "validation failed"}]
            }}
        }),
    );
}

#[test]
fn parent_default_when_a_child_has_one_and_none_is_required() {
    check(
        "spec:\n  timeout: integer | default=30\n  retries: integer | default=3\n",
        json!({
            "type": "object",
            "default": {},
            "properties": {
                "timeout": {"type": "integer", "default": 30},
                "retries": {"type": "integer", "default": 3},
            }
        }),
    );
    check(
        "spec:\n  name: string | required=true\n  timeout: integer | default=30\n",
        json!({
            "type": "object",
            "required": ["name"],
            "properties": {"name": {"type": "string"}, "timeout": {"type": "integer", "default": 30}}
        }),
    );
    check(
        "spec:\n  name: string\n  timeout: integer\n",
        json!({
            "type": "object",
            "properties": {"name": {"type": "string"}, "timeout": {"type": "integer"}}
        }),
    );
}

#[test]
fn parent_default_propagates_through_levels_and_types() {
    check(
        r#"spec:
  app: App
  outer:
    inner:
      requiredField: string | required=true
      optionalField: integer | default=42
    sibling: string | default="hello"
types:
  Config:
    port: integer | default=8080
  App:
    name: string
    config: Config
"#,
        json!({
            "type": "object",
            "default": {},
            "properties": {
                "app": {
                    "type": "object",
                    "default": {},
                    "properties": {
                        "name": {"type": "string"},
                        "config": {
                            "type": "object",
                            "default": {},
                            "properties": {"port": {"type": "integer", "default": 8080}}
                        }
                    }
                },
                "outer": {
                    "type": "object",
                    "default": {},
                    "properties": {
                        "inner": {
                            "type": "object",
                            "required": ["requiredField"],
                            "properties": {
                                "requiredField": {"type": "string"},
                                "optionalField": {"type": "integer", "default": 42}
                            }
                        },
                        "sibling": {"type": "string", "default": "hello"}
                    }
                }
            }
        }),
    );
}

#[test]
fn object_field_default_counts_as_a_child_default() {
    check(
        "spec:\n  values: 'object | default={\"a\":\"b\"}'\n",
        json!({
            "type": "object",
            "default": {},
            "properties": {
                "values": {
                    "type": "object",
                    "x-kubernetes-preserve-unknown-fields": true,
                    "default": {"a": "b"}
                }
            }
        }),
    );
}

#[test]
fn alias_required_inside_a_type_blocks_its_default() {
    check(
        r#"spec:
  database: DatabaseConfig
types:
  RequiredString: string | required=true
  DatabaseConfig:
    host: RequiredString
    port: integer | default=5432
"#,
        json!({
            "type": "object",
            "properties": {
                "database": {
                    "type": "object",
                    "required": ["host"],
                    "properties": {
                        "host": {"type": "string"},
                        "port": {"type": "integer", "default": 5432}
                    }
                }
            }
        }),
    );
}

#[test]
fn the_specs_own_example() {
    check(
        r#"spec:
  name: string | required=true description="Application name"
  replicas: integer | default=2 minimum=1 maximum=20
  tier: string | enum="free,pro" default="free" immutable=true
  ports: "[]Port | listType=map listMapKey=name minItems=1"
  labels: "map[string]string"
  extra: object
types:
  Port:
    name: string | required=true
    number: integer | default=80
"#,
        json!({
            "type": "object",
            "required": ["name"],
            "properties": {
                "name": {"type": "string", "description": "Application name"},
                "replicas": {"type": "integer", "default": 2, "minimum": 1, "maximum": 20},
                "tier": {
                    "type": "string",
                    "enum": ["free", "pro"],
                    "default": "free",
                    "x-kubernetes-validations": [{"rule": "self == oldSelf", "message": "field is immutable"}]
                },
                "ports": {
                    "type": "array",
                    "minItems": 1,
                    "x-kubernetes-list-type": "map",
                    "x-kubernetes-list-map-keys": ["name"],
                    "items": {
                        "type": "object",
                        "required": ["name"],
                        "properties": {
                            "name": {"type": "string"},
                            "number": {"type": "integer", "default": 80}
                        }
                    }
                },
                "labels": {"type": "object", "additionalProperties": {"type": "string"}},
                "extra": {"type": "object", "x-kubernetes-preserve-unknown-fields": true},
            }
        }),
    );
}

/// The reference's end-to-end case, written as YAML.
#[test]
fn a_complex_schema_end_to_end() {
    check(
        r#"spec:
  name: RequiredString
  environment: string | default="development" enum="development,staging,production" description="Deployment environment"
  database: DatabaseConfig
  retry: RetryConfig
  endpoints: "[]ServiceEndpoint | minItems=1"
  annotations: "map[string]string"
  labels: "[]Label | listType=atomic"
  clusterId: string | immutable=true
  replicas: integer | default=1 minimum=0 maximum=100 validation="self <= 10 || self % 2 == 0"
  resources:
    cpu: string | default="100m" pattern="^[0-9]+m?$"
    memory: string | default="128Mi" pattern="^[0-9]+(Mi|Gi)$"
types:
  RequiredString: string | required=true
  Port: integer | default=8080 minimum=1 maximum=65535
  DatabaseConfig:
    host: string | required=true
    port: Port
    username: string | required=true
    password: string | required=true
    database: string | default="postgres"
  RetryConfig:
    maxRetries: integer | default=3 minimum=0 maximum=10
    backoffMs: integer | default=1000
    exponential: boolean | default=true
  ServiceEndpoint:
    name: RequiredString
    url: string | required=true pattern="^https?://"
    timeout: integer | default=30 minimum=1 maximum=300
  Label:
    key: string | required=true minLength=1 maxLength=63
    value: string | default=""
"#,
        json!({
            "type": "object",
            "required": ["name"],
            "properties": {
                "name": {"type": "string"},
                "environment": {
                    "type": "string",
                    "default": "development",
                    "description": "Deployment environment",
                    "enum": ["development", "staging", "production"]
                },
                "database": {
                    "type": "object",
                    "required": ["host", "password", "username"],
                    "properties": {
                        "host": {"type": "string"},
                        "username": {"type": "string"},
                        "password": {"type": "string"},
                        "port": {"type": "integer", "default": 8080, "minimum": 1, "maximum": 65535},
                        "database": {"type": "string", "default": "postgres"}
                    }
                },
                "retry": {
                    "type": "object",
                    "default": {},
                    "properties": {
                        "maxRetries": {"type": "integer", "default": 3, "minimum": 0, "maximum": 10},
                        "backoffMs": {"type": "integer", "default": 1000},
                        "exponential": {"type": "boolean", "default": true}
                    }
                },
                "endpoints": {
                    "type": "array",
                    "minItems": 1,
                    "items": {
                        "type": "object",
                        "required": ["name", "url"],
                        "properties": {
                            "name": {"type": "string"},
                            "url": {"type": "string", "pattern": "^https?://"},
                            "timeout": {"type": "integer", "default": 30, "minimum": 1, "maximum": 300}
                        }
                    }
                },
                "annotations": {"type": "object", "additionalProperties": {"type": "string"}},
                "labels": {
                    "type": "array",
                    "x-kubernetes-list-type": "atomic",
                    "items": {
                        "type": "object",
                        "required": ["key"],
                        "properties": {
                            "key": {"type": "string", "minLength": 1, "maxLength": 63},
                            "value": {"type": "string", "default": ""}
                        }
                    }
                },
                "clusterId": {
                    "type": "string",
                    "x-kubernetes-validations": [{"rule": "self == oldSelf", "message": "field is immutable"}]
                },
                "replicas": {
                    "type": "integer",
                    "default": 1,
                    "minimum": 0,
                    "maximum": 100,
                    "x-kubernetes-validations": [{"rule": "self <= 10 || self % 2 == 0", "message": "validation failed"}]
                },
                "resources": {
                    "type": "object",
                    "default": {},
                    "properties": {
                        "cpu": {"type": "string", "default": "100m", "pattern": "^[0-9]+m?$"},
                        "memory": {"type": "string", "default": "128Mi", "pattern": "^[0-9]+(Mi|Gi)$"}
                    }
                }
            }
        }),
    );
}
