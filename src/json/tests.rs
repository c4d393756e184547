use super::*;
use proptest::prelude::*;
use std::string::{String, ToString};
use std::vec::Vec;

fn accepts(text: &str) -> bool {
    parse(text.as_bytes()).is_ok()
}

#[test]
fn grammar() {
    for good in [
        "0",
        "-0",
        "1.5",
        "-12e+3",
        "1E-2",
        "true",
        "false",
        "null",
        "\"\"",
        "\"a\\\"b\\u00e9\\ud83d\\ude00\"",
        "[]",
        "{}",
        " [ 1 , [ ] , { } ] ",
        "{\"a\":{\"b\":[null]},\"a\":1}",
        "\"\u{e9}\"",
    ] {
        assert!(accepts(good), "{good}");
    }
    for bad in [
        "",
        " ",
        "01",
        "1.",
        ".5",
        "-",
        "1e",
        "+1",
        "tru",
        "nul",
        "[1,]",
        "{\"a\":1,}",
        "{a:1}",
        "{\"a\" 1}",
        "[1 2]",
        "\"\\x\"",
        "\"\\u12\"",
        "\"\\ud800\"",
        "\"\\udc00x\"",
        "\"a\nb\"",
        "[",
        "{",
        "\"",
        "1 2",
        "[]]",
        "'a'",
        "NaN",
    ] {
        assert!(!accepts(bad), "{bad:?}");
    }
    let deep = "[".repeat(MAX_DEPTH) + &"]".repeat(MAX_DEPTH);
    assert!(accepts(&deep));
    let deeper = "[".repeat(MAX_DEPTH + 1) + &"]".repeat(MAX_DEPTH + 1);
    assert_eq!(
        parse(deeper.as_bytes()).unwrap_err().what,
        "nested too deep"
    );
    assert!(!accepts(&"[".repeat(100_000)));
}

#[test]
fn errors_say_where() {
    let e = parse(b"{\"root\": {\"path\": 12,}}").unwrap_err();
    assert_eq!((e.offset, e.what), (21, "expected a member name in quotes"));
    let e = parse(b"[1, 2] x").unwrap_err();
    assert_eq!((e.offset, e.what), (7, "text after the document"));
}

#[test]
fn strings_decode_into_a_buffer_or_say_they_do_not_fit() {
    let Value::String(s) = parse(b"\"a\\tb\\u00e9\\ud83d\\ude00\\/\"").unwrap() else {
        panic!()
    };
    let mut buf = [0u8; 64];
    assert_eq!(
        s.decode(&mut buf).unwrap(),
        "a\tb\u{e9}\u{1f600}/".as_bytes()
    );
    assert!(s.eq("a\tb\u{e9}\u{1f600}/".as_bytes()));
    assert!(!s.eq(b"a\tb"));
    assert_eq!(s.decode(&mut [0u8; 4]), None);
}

#[test]
fn objects_and_arrays_iterate_and_get() {
    let doc =
        br#"{"process": {"args": ["sh", "-c", "echo hi"], "user": {"uid": 0}}, "x": 1, "x": 2}"#;
    let Value::Object(o) = parse(doc).unwrap() else {
        panic!()
    };
    let Some(Value::Object(p)) = o.get(b"process") else {
        panic!()
    };
    let Some(Value::Array(args)) = p.get(b"args") else {
        panic!()
    };
    let args: Vec<String> = args
        .iter()
        .map(|a| match a {
            Value::String(s) => String::from_utf8(s.raw().to_vec()).unwrap(),
            other => panic!("{other:?}"),
        })
        .collect();
    assert_eq!(args, ["sh", "-c", "echo hi"]);
    let Some(Value::Number(n)) = o.get(b"x") else {
        panic!()
    };
    assert_eq!(n.as_u64(), Some(2));
    assert!(o.get(b"missing").is_none());
}

#[test]
fn numbers_convert_only_when_they_fit() {
    let n = |s: &'static str| match parse(s.as_bytes()).unwrap() {
        Value::Number(n) => n,
        _ => panic!(),
    };
    assert_eq!(n("18446744073709551615").as_u64(), Some(u64::MAX));
    assert_eq!(n("18446744073709551616").as_u64(), None);
    assert_eq!(n("-9223372036854775808").as_i64(), Some(i64::MIN));
    assert_eq!(n("-9223372036854775809").as_i64(), None);
    assert_eq!(n("1.5").as_u64(), None);
    assert_eq!(n("1.5").as_f64(), Some(1.5));
    assert_eq!(n("1e3").as_u64(), None);
}

/// The digits of 2^1024 - 2^970, the least number that parses to an
/// infinite f64.
const F64_LIMIT: &str = "179769313486231580793728971405303415079934132710037826936173778980444968292764750946649017977587207096330286416692887910946555547851940402630657488671505820681908902000708383676273854845817711531764475730270069855571366959622842914819860834936475292719074168444365510704342711559699508093042880177904174497792";

#[test]
fn the_f64_range_is_decided_on_the_digits() {
    let limit = F64_LIMIT;
    assert_eq!(limit.len() as i64, super::F64_LIMIT_DIGITS);
    assert_eq!(limit.parse::<f64>(), Ok(f64::INFINITY));
    let below = format!("{}1", &limit[..limit.len() - 1]);
    let above = format!("{}3", &limit[..limit.len() - 1]);
    assert_eq!(below.parse::<f64>(), Ok(f64::MAX));
    let fraction = |s: &str| format!("{}.{}e{}", &s[..1], &s[1..], s.len() - 1);
    for (text, finite) in [
        (limit.to_string(), false),
        (below.clone(), true),
        (above, false),
        (format!("{}.{}", &limit[..300], &limit[300..]), true),
        (format!("0.{limit}e309"), false),
        (format!("-{limit}"), false),
        (format!("-{below}"), true),
        (format!("{limit}.0"), false),
        (format!("{below}.999999"), true),
        (fraction(limit), false),
        (fraction(&below), true),
        (format!("0.000{limit}e312"), false),
        (format!("0.000{below}e312"), true),
        ("1.7976931348623157e308".to_string(), true),
        ("1.7976931348623159e308".to_string(), false),
        ("1e309".to_string(), false),
        ("1e308".to_string(), true),
        ("10e307".to_string(), true),
        ("100e307".to_string(), false),
        ("0e999999999999999999999".to_string(), true),
        ("0.0".to_string(), true),
        ("1e-999999".to_string(), true),
        ("-0".to_string(), true),
    ] {
        assert_eq!(text.parse::<f64>().unwrap().is_finite(), finite, "{text}");
        assert_eq!(parse(text.as_bytes()).is_ok(), finite, "{text}");
    }
}

/// Our reading of a checked document, as serde_json's value.
fn to_serde(v: Value<'_>) -> serde_json::Value {
    match v {
        Value::Null => serde_json::Value::Null,
        Value::Bool(b) => serde_json::Value::Bool(b),
        Value::Number(n) => {
            if let Some(u) = n.as_u64() {
                u.into()
            } else if let Some(i) = n.as_i64() {
                i.into()
            } else {
                serde_json::Number::from_f64(n.as_f64().unwrap())
                    .unwrap()
                    .into()
            }
        }
        Value::String(s) => {
            let mut buf = vec![0u8; s.raw().len() * 4 + 4];
            String::from_utf8(s.decode(&mut buf).unwrap().to_vec())
                .unwrap()
                .into()
        }
        Value::Array(a) => a.iter().map(to_serde).collect::<Vec<_>>().into(),
        Value::Object(o) => {
            let mut map = serde_json::Map::new();
            for (k, v) in o.iter() {
                let mut buf = vec![0u8; k.raw().len() * 4 + 4];
                map.insert(
                    String::from_utf8(k.decode(&mut buf).unwrap().to_vec()).unwrap(),
                    to_serde(v),
                );
            }
            map.into()
        }
    }
}

fn json_value() -> impl Strategy<Value = serde_json::Value> {
    let leaf = prop_oneof![
        Just(serde_json::Value::Null),
        any::<bool>().prop_map(serde_json::Value::Bool),
        any::<u64>().prop_map(|n| n.into()),
        any::<i64>().prop_map(|n| n.into()),
        (-1_000_000i64..1_000_000).prop_map(|n| (n as f64 / 1000.0).into()),
        ".{0,12}".prop_map(serde_json::Value::String),
        "[\\u{0}-\\u{1f}\"\\\\/é😀a]{0,6}".prop_map(serde_json::Value::String),
    ];
    leaf.prop_recursive(5, 64, 6, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..6).prop_map(serde_json::Value::Array),
            proptest::collection::vec((".{0,6}", inner), 0..6)
                .prop_map(|m| serde_json::Value::Object(m.into_iter().collect())),
        ]
    })
}

/// Reads everything in a document, decoding every string, as a user would.
fn walk(v: Value<'_>) {
    let mut buf = [0u8; 256];
    match v {
        Value::Number(n) => {
            let _ = (n.as_u64(), n.as_i64(), n.as_f64());
        }
        Value::String(s) => {
            let _ = s.decode(&mut buf);
            let _ = s.eq(b"x");
        }
        Value::Array(a) => a.iter().for_each(walk),
        Value::Object(o) => {
            for (k, v) in o.iter() {
                let _ = k.decode(&mut buf);
                walk(v);
            }
            let _ = o.get(b"a");
        }
        Value::Null | Value::Bool(_) => {}
    }
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: 500,
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    /// What serde_json writes, compact or pretty, reads back as the same
    /// value.
    #[test]
    fn reads_what_serde_json_writes(v in json_value()) {
        for text in [serde_json::to_string(&v).unwrap(), serde_json::to_string_pretty(&v).unwrap()] {
            match parse(text.as_bytes()) {
                Ok(ours) => prop_assert_eq!(to_serde(ours), v.clone(), "{}", text),
                Err(e) => prop_assert!(false, "{:?} in {}", e, text),
            }
        }
    }

    /// Any bytes, and documents with bytes changed: no panic, and a
    /// document is accepted exactly when serde_json accepts it.
    #[test]
    fn never_panics_and_accepts_what_serde_json_accepts(
        v in json_value(),
        edits in proptest::collection::vec((any::<usize>(), any::<u8>()), 0..4),
        noise in proptest::collection::vec(any::<u8>(), 0..64),
    ) {
        let mut text = serde_json::to_string(&v).unwrap().into_bytes();
        for (at, b) in edits {
            if !text.is_empty() {
                let i = at % text.len();
                text[i] = b;
            }
        }
        for input in [&text[..], &noise[..]] {
            let ours = parse(input);
            if let Ok(v) = ours {
                walk(v);
            }
            let theirs = serde_json::from_slice::<serde_json::Value>(input);
            prop_assert_eq!(ours.is_ok(), theirs.is_ok(), "{:?}: ours {:?}, serde_json {:?}",
                String::from_utf8_lossy(input), ours.err(), theirs.err().map(|e| e.to_string()));
        }
    }
}

/// The UTF-8 check against core's: every sequence of up to three bytes,
/// and four-byte ones from every lead byte with continuation bytes at and
/// around the edges of their range.
#[test]
fn utf8_check_agrees_with_core() {
    let same = |s: &[u8]| assert_eq!(super::is_utf8(s), std::str::from_utf8(s).is_ok(), "{s:x?}");
    for a in 0..=255u8 {
        same(&[a]);
        for b in 0..=255u8 {
            same(&[a, b]);
            for c in 0..=255u8 {
                same(&[a, b, c]);
            }
        }
    }
    let edges = [0x00, 0x7f, 0x80, 0x8f, 0x90, 0x9f, 0xa0, 0xbf, 0xc0, 0xff];
    for a in 0xf0..=0xff {
        for b in 0..=255u8 {
            for c in edges {
                for d in edges {
                    same(&[a, b, c, d]);
                    same(&[b'x', a, b, c, d, b'y']);
                }
            }
        }
    }
}

/// The UTF-8 encoder against core's, for every code point.
#[test]
fn utf8_encoding_agrees_with_core() {
    for c in (0..=0x10ffff).filter_map(char::from_u32) {
        let (mut ours, mut core) = ([0u8; 4], [0u8; 4]);
        let want = c.encode_utf8(&mut core).as_bytes();
        assert_eq!(super::encode_utf8(u32::from(c), &mut ours), want, "{c:?}");
    }
}
