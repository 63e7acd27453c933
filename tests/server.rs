//! The real server on 127.0.0.1:0, called with the generated tonic client: every RPC, every
//! error status, health, limits, reload and shutdown with a call in flight.

use std::path::Path;
use std::time::Duration;

use gazette::grpc::pb;
use gazette::grpc::pb::entity_extractor_client::EntityExtractorClient;
use gazette::server::{serve, Handle};
use gazette::{Extractor, Limits};
use tokio::sync::oneshot;
use tokio::task::JoinHandle;
use tonic::transport::Channel;
use tonic::Code;
use tonic_health::pb::health_check_response::ServingStatus;
use tonic_health::pb::health_client::HealthClient;
use tonic_health::pb::HealthCheckRequest;

const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/gazetteers");

struct Running {
    addr: std::net::SocketAddr,
    client: EntityExtractorClient<Channel>,
    channel: Channel,
    handle: Handle,
    stop: Option<oneshot::Sender<()>>,
    server: JoinHandle<gazette::Result<()>>,
}

impl Running {
    async fn start(limits: Limits, load: bool) -> Running {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let handle = Handle::new().await;
        if load {
            handle.install(Extractor::load(Path::new(FIXTURES)).unwrap()).await;
        }
        let (stop, stopped) = oneshot::channel::<()>();
        let server = tokio::spawn(serve(listener, handle.clone(), limits, async {
            let _ = stopped.await;
        }));
        // The listener is bound before `serve` starts: connecting cannot race it.
        let channel = Channel::from_shared(format!("http://{addr}")).unwrap().connect().await.unwrap();
        Running { addr, client: EntityExtractorClient::new(channel.clone()), channel, handle, stop: Some(stop), server }
    }

    async fn health(&self, service: &str) -> ServingStatus {
        let response = HealthClient::new(self.channel.clone())
            .check(HealthCheckRequest { service: service.to_owned() })
            .await
            .unwrap();
        ServingStatus::try_from(response.into_inner().status).unwrap()
    }

    async fn stop(mut self) {
        let _ = self.stop.take().unwrap().send(());
        self.server.await.unwrap().unwrap();
    }
}

fn request(text: &str) -> pb::ExtractRequest {
    pb::ExtractRequest { document_id: "doc-1".into(), text: text.into(), ..Default::default() }
}

const TEXT: &str = "“Putin” met Netanyahu in Zürich 👋🏽; Israel’s U.S.-based allies and pro-Moscow groups. The New York Times: UN Security Council.";

/// (mention text, kind, entity id) expected in TEXT, in order.
const EXPECTED: &[(&str, pb::EntityKind, &str)] = &[
    ("Putin", pb::EntityKind::Person, "person:vladimir-putin"),
    ("Netanyahu", pb::EntityKind::Person, "person:benjamin-netanyahu"),
    ("Zürich", pb::EntityKind::Place, "place:zurich"),
    ("Israel", pb::EntityKind::Place, "place:israel"),
    ("U.S.", pb::EntityKind::Place, "place:united-states"),
    ("Moscow", pb::EntityKind::Place, "place:moscow"),
    // An organisation's span leaves out a leading "The" (docs/found.md, "Co-reference").
    ("New York Times", pb::EntityKind::Organization, "org:nyt"),
    ("UN Security Council", pb::EntityKind::Organization, "org:un-security-council"),
];

fn check_mentions(mentions: &[pb::Mention]) {
    let got: Vec<(&str, i32, &str)> = mentions.iter().map(|m| (m.text.as_str(), m.kind, m.entity_id.as_str())).collect();
    let want: Vec<(&str, i32, &str)> = EXPECTED.iter().map(|&(t, k, id)| (t, k as i32, id)).collect();
    assert_eq!(got, want);
}

#[tokio::test]
async fn extract_offsets_in_every_encoding() {
    let mut s = Running::start(Limits::default(), true).await;
    let chars: Vec<char> = TEXT.chars().collect();
    let units: Vec<u16> = TEXT.encode_utf16().collect();
    for encoding in [pb::OffsetEncoding::Unspecified, pb::OffsetEncoding::Utf8, pb::OffsetEncoding::Utf16, pb::OffsetEncoding::Codepoint] {
        let r = s
            .client
            .extract(pb::ExtractRequest { offset_encoding: encoding as i32, ..request(TEXT) })
            .await
            .unwrap()
            .into_inner();
        assert_eq!(r.document_id, "doc-1");
        assert_eq!(r.gazetteer_version.len(), 16);
        check_mentions(&r.mentions);
        for m in &r.mentions {
            let (a, b) = (m.start as usize, m.end as usize);
            let slice = match encoding {
                pb::OffsetEncoding::Utf16 => String::from_utf16(&units[a..b]).unwrap(),
                pb::OffsetEncoding::Codepoint => chars[a..b].iter().collect(),
                _ => TEXT[a..b].to_owned(),
            };
            assert_eq!(slice, m.text, "{encoding:?}");
        }
    }
    s.stop().await;
}

#[tokio::test]
async fn entities_group_mentions_and_filters_apply() {
    let mut s = Running::start(Limits::default(), true).await;
    let r = s.client.extract(request("Putin and Vladimir Putin went to Moscow.")).await.unwrap().into_inner();
    let entities: Vec<(&str, Vec<u32>)> = r.entities.iter().map(|e| (e.entity_id.as_str(), e.mention_indexes.clone())).collect();
    assert_eq!(entities, vec![("person:vladimir-putin", vec![0, 1]), ("place:moscow", vec![2])]);
    assert_eq!(r.mentions[0].method, pb::MatchMethod::Alias as i32);
    assert_eq!(r.mentions[1].method, pb::MatchMethod::Exact as i32);
    assert_eq!(r.entities[0].canonical_name, "Vladimir Putin");
    assert_eq!(r.entities[1].gazetteer, "places");

    let places = s
        .client
        .extract(pb::ExtractRequest { kinds: vec![pb::EntityKind::Place as i32], ..request(TEXT) })
        .await
        .unwrap()
        .into_inner();
    let kinds: Vec<i32> = places.mentions.iter().map(|m| m.kind).collect();
    assert_eq!(kinds, vec![pb::EntityKind::Place as i32; 4]);

    let only_places_file = s
        .client
        .extract(pb::ExtractRequest { gazetteers: vec!["places".into()], ..request("The New York Times") })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(only_places_file.mentions.len(), 1);
    assert_eq!(only_places_file.mentions[0].text, "New York");
    s.stop().await;
}

#[tokio::test]
async fn stream_sends_mentions_in_order_then_summary() {
    let mut s = Running::start(Limits::default(), true).await;
    let mut stream = s
        .client
        .extract_stream(pb::ExtractStreamRequest { request: Some(request(TEXT)) })
        .await
        .unwrap()
        .into_inner();
    let mut mentions = Vec::new();
    let mut summary = None;
    while let Some(message) = stream.message().await.unwrap() {
        assert!(summary.is_none(), "nothing may follow the summary");
        match message.event.unwrap() {
            pb::extract_stream_response::Event::Mention(m) => mentions.push(m),
            pb::extract_stream_response::Event::Summary(x) => summary = Some(x),
        }
    }
    check_mentions(&mentions);
    assert!(mentions.windows(2).all(|w| w[0].end <= w[1].start), "text order");
    let summary = summary.expect("a closing summary");
    assert_eq!(summary.mention_count as usize, mentions.len());
    assert_eq!(summary.document_id, "doc-1");
    let indexed: usize = summary.entities.iter().map(|e| e.mention_indexes.len()).sum();
    assert_eq!(indexed, mentions.len());
    for e in &summary.entities {
        for &i in &e.mention_indexes {
            assert_eq!(mentions[i as usize].entity_id, e.entity_id);
        }
    }
    // A message without its `request` says where the ExtractRequest goes (it used to say only
    // "request is required").
    const MISSING: &str = "request is required: send {\"request\": {\"text\": \"...\"}} (the ExtractRequest goes in the \"request\" field)";
    let missing = s.client.extract_stream(pb::ExtractStreamRequest { request: None }).await.unwrap_err();
    assert_eq!((missing.code(), missing.message()), (Code::InvalidArgument, MISSING));
    let mut batch = s.client.extract_batch(tokio_stream::iter([pb::ExtractBatchRequest { request: None }])).await.unwrap().into_inner();
    match batch.message().await.unwrap().unwrap().result {
        Some(pb::extract_batch_response::Result::Error(e)) => assert_eq!((e.code, e.message.as_str()), (Code::InvalidArgument as i32, MISSING)),
        other => panic!("{other:?}"),
    }
    let empty = s.client.extract_stream(pb::ExtractStreamRequest { request: Some(request("")) }).await.unwrap_err();
    assert_eq!(empty.code(), Code::InvalidArgument);
    s.stop().await;
}

#[tokio::test]
async fn batch_of_many_with_one_bad_document() {
    let mut s = Running::start(Limits { batch_in_flight: 4, ..Limits::default() }, true).await;
    let n = 200;
    let docs: Vec<pb::ExtractBatchRequest> = (0..n)
        .map(|i| {
            let text = if i == 117 { String::new() } else { format!("Document {i}: Putin called Netanyahu.") };
            pb::ExtractBatchRequest { request: Some(pb::ExtractRequest { document_id: format!("d{i}"), text, ..Default::default() }) }
        })
        .collect();
    let mut results = s.client.extract_batch(tokio_stream::iter(docs)).await.unwrap().into_inner();
    let mut seen = 0;
    while let Some(r) = results.message().await.unwrap() {
        assert_eq!(r.document_id, format!("d{seen}"), "request order");
        match r.result.unwrap() {
            pb::extract_batch_response::Result::Response(x) => {
                assert_ne!(seen, 117);
                assert_eq!(x.document_id, format!("d{seen}"));
                assert_eq!(x.mentions.len(), 2);
            }
            pb::extract_batch_response::Result::Error(e) => {
                assert_eq!(seen, 117, "only the empty document fails");
                assert_eq!(e.code, Code::InvalidArgument as i32);
                assert!(e.message.contains("text is empty"), "{}", e.message);
            }
        }
        seen += 1;
    }
    assert_eq!(seen, n);
    s.stop().await;
}

#[tokio::test]
async fn bad_requests_get_invalid_argument_with_a_message() {
    let limits = Limits { max_text_bytes: 1000, max_message_bytes: 64 * 1024, ..Limits::default() };
    let mut s = Running::start(limits, true).await;
    let cases: Vec<(&str, pb::ExtractRequest, Code, &str)> = vec![
        ("empty text", request(""), Code::InvalidArgument, "text is empty"),
        ("unknown kind", pb::ExtractRequest { kinds: vec![42], ..request("Iran") }, Code::InvalidArgument, "invalid kinds: 42 is not an entity kind"),
        ("unspecified kind", pb::ExtractRequest { kinds: vec![0], ..request("Iran") }, Code::InvalidArgument, "invalid kinds: 0 is not an entity kind"),
        ("unknown encoding", pb::ExtractRequest { offset_encoding: 9, ..request("Iran") }, Code::InvalidArgument, "invalid offset_encoding: unknown value 9"),
        ("unknown gazetteer", pb::ExtractRequest { gazetteers: vec!["nope".into()], ..request("Iran") }, Code::InvalidArgument, "unknown gazetteer \"nope\"; loaded gazetteers: places, world"),
        ("bad reference date", pb::ExtractRequest { reference_date: "16/01/2026".into(), ..request("Iran") }, Code::InvalidArgument, "invalid reference_date: \"16/01/2026\" is not a date of the form YYYY-MM-DD from the year 1000 on"),
        ("year-0 reference date", pb::ExtractRequest { reference_date: "0000-01-01".into(), ..request("Iran") }, Code::InvalidArgument, "invalid reference_date: \"0000-01-01\" is not a date of the form YYYY-MM-DD from the year 1000 on"),
        ("text over limit", request(&"Iran ".repeat(300)), Code::InvalidArgument, "text is 1500 bytes, over the limit of 1000 bytes"),
        ("message over limit", request(&"x".repeat(100 * 1024)), Code::OutOfRange, "message length too large"),
        // Client input is quoted up to 100 characters, with its length: a 20,000-character name
        // once came back whole in grpc-message, over clients' metadata limits.
        ("huge gazetteer name", pb::ExtractRequest { gazetteers: vec!["g".repeat(20_000)], ..request("Iran") }, Code::InvalidArgument, "... (20000 characters); loaded gazetteers: places, world"),
        ("huge reference date", pb::ExtractRequest { reference_date: "9".repeat(20_000), ..request("Iran") }, Code::InvalidArgument, "... (20000 characters) is not a date"),
    ];
    for (name, req, code, message) in cases {
        let status = s.client.extract(req).await.expect_err(name);
        assert_eq!(status.code(), code, "{name}: {}", status.message());
        assert!(status.message().contains(message), "{name}: {:?}", status.message());
        assert!(status.message().len() <= 300, "{name}: a message of {} bytes", status.message().len());
    }
    // The server is still fine afterwards.
    assert_eq!(s.client.extract(request("Iran")).await.unwrap().into_inner().mentions.len(), 1);
    s.stop().await;
}

#[tokio::test]
async fn health_and_unavailable_until_loaded_then_list() {
    let mut s = Running::start(Limits::default(), false).await;
    assert_eq!(s.health("").await, ServingStatus::NotServing);
    assert_eq!(s.health("gazette.v1.EntityExtractor").await, ServingStatus::NotServing);
    let status = s.client.extract(request("Iran")).await.unwrap_err();
    assert_eq!(status.code(), Code::Unavailable);
    assert!(status.message().contains("still loading"), "{}", status.message());

    s.handle.install(Extractor::load(Path::new(FIXTURES)).unwrap()).await;
    assert_eq!(s.health("").await, ServingStatus::Serving);
    assert_eq!(s.health("gazette.v1.EntityExtractor").await, ServingStatus::Serving);
    let list = s.client.list_gazetteers(pb::ListGazetteersRequest {}).await.unwrap().into_inner();
    let got: Vec<(&str, u64, u64, Vec<i32>)> =
        list.gazetteers.iter().map(|g| (g.name.as_str(), g.entry_count, g.alias_count, g.kinds.clone())).collect();
    assert_eq!(
        got,
        vec![
            ("places", 8, 14, vec![pb::EntityKind::Place as i32]),
            ("world", 6, 12, vec![pb::EntityKind::Person as i32, pb::EntityKind::Organization as i32]),
        ]
    );
    assert!(list.gazetteers.iter().all(|g| g.version.len() == 16 && g.loaded_at.ends_with('Z')));
    assert_eq!(list.gazetteer_version.len(), 16);
    s.stop().await;
}

#[tokio::test]
async fn failed_reload_keeps_serving_the_old_data() {
    let mut s = Running::start(Limits::default(), true).await;
    let before = s.client.list_gazetteers(pb::ListGazetteersRequest {}).await.unwrap().into_inner().gazetteer_version;
    let data = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data");

    let err = s.handle.reload(&data.join("gazetteers-bad")).await.unwrap_err();
    assert!(err.to_string().ends_with("gazetteers-bad/places.tsv:11: expected 6 tab-separated columns (id, kind, canonical, aliases, priority, attributes), found 4"), "{err}");
    let after_bad = s.client.list_gazetteers(pb::ListGazetteersRequest {}).await.unwrap().into_inner().gazetteer_version;
    assert_eq!(after_bad, before);
    assert_eq!(s.client.extract(request("Oman and Iran")).await.unwrap().into_inner().mentions.len(), 1);

    s.handle.reload(&data.join("gazetteers-v2")).await.unwrap();
    let r = s.client.extract(request("Oman and Iran")).await.unwrap().into_inner();
    assert_eq!(r.mentions.len(), 2);
    assert_ne!(r.gazetteer_version, before);
    s.stop().await;
}

#[tokio::test]
async fn shutdown_drains_in_flight_calls_and_refuses_new_ones() {
    let mut s = Running::start(Limits::default(), true).await;
    // A batch stream in flight: one document answered, the stream still open.
    let (tx, rx) = tokio::sync::mpsc::channel::<pb::ExtractBatchRequest>(4);
    let mut results = s.client.extract_batch(tokio_stream::wrappers::ReceiverStream::new(rx)).await.unwrap().into_inner();
    tx.send(pb::ExtractBatchRequest { request: Some(pb::ExtractRequest { document_id: "a".into(), text: "Iran".into(), ..Default::default() }) })
        .await
        .unwrap();
    assert_eq!(results.message().await.unwrap().unwrap().document_id, "a");

    let _ = s.stop.take().unwrap().send(());
    // Health turns NOT_SERVING and new calls are refused as soon as the drain starts.
    let mut refused = None;
    for _ in 0..200 {
        match s.client.extract(request("Iran")).await {
            Err(status) => {
                refused = Some(status);
                break;
            }
            Ok(_) => tokio::task::yield_now().await,
        }
    }
    let refused = refused.expect("new calls are refused once shutdown starts");
    assert_eq!(refused.code(), Code::Unavailable, "{refused:?}");

    // The call in flight still completes.
    tx.send(pb::ExtractBatchRequest { request: Some(pb::ExtractRequest { document_id: "b".into(), text: "Putin in Moscow".into(), ..Default::default() }) })
        .await
        .unwrap();
    let b = results.message().await.unwrap().unwrap();
    assert_eq!(b.document_id, "b");
    match b.result.unwrap() {
        pb::extract_batch_response::Result::Response(r) => assert_eq!(r.mentions.len(), 2),
        other => panic!("{other:?}"),
    }
    drop(tx);
    assert!(results.message().await.unwrap().is_none());
    tokio::time::timeout(Duration::from_secs(10), s.server).await.expect("server stops after the drain").unwrap().unwrap();
}

#[tokio::test]
async fn drain_is_bounded_by_the_timeout() {
    let mut s = Running::start(Limits { drain_timeout: Duration::from_millis(200), ..Limits::default() }, true).await;
    let (tx, rx) = tokio::sync::mpsc::channel::<pb::ExtractBatchRequest>(1);
    let _results = s.client.extract_batch(tokio_stream::wrappers::ReceiverStream::new(rx)).await.unwrap();
    let _ = s.stop.take().unwrap().send(());
    // The client never closes its stream: the server must stop anyway.
    tokio::time::timeout(Duration::from_secs(10), s.server).await.expect("drain bounded").unwrap().unwrap();
    drop(tx);
}

#[tokio::test]
async fn figures_are_normalised_over_grpc() {
    let mut s = Running::start(Limits::default(), true).await;
    let text = "At least 2,677 people died, Putin said on Friday; the deal is worth US$4.7 billion, up 3.5%.";
    let r = s
        .client
        .extract(pb::ExtractRequest { reference_date: "2026-01-20".into(), ..request(text) })
        .await
        .unwrap()
        .into_inner();
    let figures: Vec<(&str, i32, f64, &str, &str, i32)> = r
        .mentions
        .iter()
        .filter_map(|m| m.figure.as_ref().map(|f| (m.text.as_str(), f.kind, f.value, f.unit.as_str(), f.date.as_str(), f.qualifier)))
        .collect();
    assert_eq!(
        figures,
        vec![
            ("2,677", pb::FigureKind::Cardinal as i32, 2677.0, "", "", pb::Qualifier::AtLeast as i32),
            ("Friday", pb::FigureKind::Date as i32, 2026.0, "", "2026-01-16", 0),
            ("US$4.7 billion", pb::FigureKind::Money as i32, 4_700_000_000.0, "USD", "", 0),
            ("3.5%", pb::FigureKind::Percent as i32, 3.5, "%", "", 0),
        ]
    );
    let kinds: Vec<i32> = r.mentions.iter().map(|m| m.kind).collect();
    assert_eq!(kinds.iter().filter(|&&k| k == pb::EntityKind::Figure as i32).count(), 4);
    assert!(r.mentions.iter().any(|m| m.text == "Putin"));

    let only_figures = s
        .client
        .extract(pb::ExtractRequest { kinds: vec![pb::EntityKind::Figure as i32], ..request(text) })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(only_figures.mentions.len(), 4);
    assert!(only_figures.entities.is_empty());
    s.stop().await;
}

/// Names no gazetteer holds, found by the cue rules (`tests/data/gazetteers/cues/test.tsv`),
/// with their evidence, document-scoped ids and co-reference; `known_only` turns them off.
#[tokio::test]
async fn names_found_by_rules_carry_evidence_and_document_ids() {
    let mut s = Running::start(Limits::default(), true).await;
    let text = "President Adeyemi met Ngozi Okafor of Zentrix Inc. in Moscow. Later Ms Okafor spoke.";
    let r = s.client.extract(request(text)).await.unwrap().into_inner();
    let got: Vec<(&str, i32, i32, &str, &str, &str)> = r
        .mentions
        .iter()
        .map(|m| (m.text.as_str(), m.kind, m.method, m.evidence.as_str(), m.entity_id.as_str(), m.canonical_name.as_str()))
        .collect();
    let (person, org, place) = (pb::EntityKind::Person as i32, pb::EntityKind::Organization as i32, pb::EntityKind::Place as i32);
    let (rule, coref, exact) = (pb::MatchMethod::Rule as i32, pb::MatchMethod::Coreference as i32, pb::MatchMethod::Exact as i32);
    assert_eq!(
        got,
        vec![
            ("Adeyemi", person, rule, "title:President", "doc:person:adeyemi", "Adeyemi"),
            ("Ngozi Okafor", person, rule, "given-name:Ngozi", "doc:person:ngozi-okafor", "Ngozi Okafor"),
            ("Zentrix Inc.", org, rule, "designator:Inc.", "doc:organization:zentrix-inc", "Zentrix Inc."),
            ("Moscow", place, exact, "", "place:moscow", "Moscow"),
            ("Okafor", person, coref, "coreference:1", "doc:person:ngozi-okafor", "Ngozi Okafor"),
        ]
    );
    assert!(r.mentions.iter().filter(|m| m.method != exact).all(|m| m.gazetteer.is_empty()));
    let okafor = r.entities.iter().find(|e| e.entity_id == "doc:person:ngozi-okafor").unwrap();
    assert_eq!(okafor.mention_indexes, vec![1, 4]);
    assert_eq!(r.entities.len(), 4);

    let known = s.client.extract(pb::ExtractRequest { known_only: true, ..request(text) }).await.unwrap().into_inner();
    let texts: Vec<&str> = known.mentions.iter().map(|m| m.text.as_str()).collect();
    assert_eq!(texts, vec!["Moscow"]);
    s.stop().await;
}

/// A text under the text limit whose response is over the message limit: 10,000 mentions.
fn dense(limits: &Limits) -> String {
    let text = "Putin ".repeat(10_000);
    assert!(text.len() <= limits.max_text_bytes);
    text
}

#[tokio::test]
async fn extract_over_the_message_limit_fails_with_both_limits_and_a_way_out() {
    let limits = Limits { max_text_bytes: 64 * 1024, max_message_bytes: 128 * 1024, ..Limits::default() };
    let mut s = Running::start(limits.clone(), true).await;
    let status = s.client.extract(request(&dense(&limits))).await.unwrap_err();
    assert_eq!(status.code(), Code::OutOfRange, "{}", status.message());
    for part in ["over the message limit of 131072 bytes", "text limit of 65536 bytes", "use ExtractStream"] {
        assert!(status.message().contains(part), "{part:?} not in {:?}", status.message());
    }
    // ExtractStream sends the same document as one message per mention.
    let mut stream = s.client.extract_stream(pb::ExtractStreamRequest { request: Some(request(&dense(&limits))) }).await.unwrap().into_inner();
    let mut messages = 0;
    while stream.message().await.unwrap().is_some() {
        messages += 1;
    }
    assert_eq!(messages, 10_001);
    s.stop().await;
}

#[tokio::test]
async fn batch_gives_an_oversized_response_an_error_and_goes_on() {
    let limits = Limits { max_text_bytes: 64 * 1024, max_message_bytes: 128 * 1024, ..Limits::default() };
    let mut s = Running::start(limits.clone(), true).await;
    let texts = ["Putin met Netanyahu.".to_owned(), dense(&limits), "Iran and Israel.".to_owned()];
    let docs: Vec<pb::ExtractBatchRequest> = texts
        .iter()
        .enumerate()
        .map(|(i, t)| pb::ExtractBatchRequest { request: Some(pb::ExtractRequest { document_id: format!("d{i}"), text: t.clone(), ..Default::default() }) })
        .collect();
    let mut results = s.client.extract_batch(tokio_stream::iter(docs)).await.unwrap().into_inner();
    let mut got = Vec::new();
    while let Some(r) = results.message().await.unwrap() {
        got.push(match r.result.unwrap() {
            pb::extract_batch_response::Result::Response(x) => (r.document_id, Code::Ok as i32, x.mentions.len()),
            pb::extract_batch_response::Result::Error(e) => {
                assert!(e.message.contains("use ExtractStream"), "{}", e.message);
                (r.document_id, e.code, 0)
            }
        });
    }
    let want = vec![("d0".to_owned(), Code::Ok as i32, 2), ("d1".to_owned(), Code::OutOfRange as i32, 0), ("d2".to_owned(), Code::Ok as i32, 2)];
    assert_eq!(got, want);
    s.stop().await;
}

/// Reads from a raw connection until the server closes it; how many bytes it sent first.
async fn read_until_closed(mut conn: tokio::net::TcpStream) -> usize {
    use tokio::io::AsyncReadExt;
    let mut buf = vec![0u8; 4096];
    let mut total = 0;
    loop {
        match conn.read(&mut buf).await {
            Ok(0) | Err(_) => return total,
            Ok(n) => total += n,
        }
    }
}

#[tokio::test]
async fn connections_without_the_http2_preface_are_closed() {
    let limits = Limits { handshake_timeout: Duration::from_millis(200), ..Limits::default() };
    let mut s = Running::start(limits, true).await;
    // Silent: closed at the handshake deadline (it used to stay open for ever).
    let silent = tokio::net::TcpStream::connect(s.addr).await.unwrap();
    let closed = tokio::time::timeout(Duration::from_secs(10), read_until_closed(silent)).await;
    assert_eq!(closed, Ok(0), "the server closes a silent connection and sends nothing");
    // Half a preface, then nothing: the same.
    let mut half = tokio::net::TcpStream::connect(s.addr).await.unwrap();
    tokio::io::AsyncWriteExt::write_all(&mut half, b"PRI * HTTP/2.0").await.unwrap();
    assert_eq!(tokio::time::timeout(Duration::from_secs(10), read_until_closed(half)).await, Ok(0));
    // Neither HTTP/2 nor an HTTP/1.1 request: closed at once.
    let mut junk = tokio::net::TcpStream::connect(s.addr).await.unwrap();
    tokio::io::AsyncWriteExt::write_all(&mut junk, b"hello\r\n\r\n").await.unwrap();
    assert_eq!(tokio::time::timeout(Duration::from_secs(10), read_until_closed(junk)).await, Ok(0));
    // An HTTP/1.1 request is JSON over HTTP's (tests/http.rs; closed when that is off): answered.
    let mut http1 = tokio::net::TcpStream::connect(s.addr).await.unwrap();
    tokio::io::AsyncWriteExt::write_all(&mut http1, b"GET /nope HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n").await.unwrap();
    let mut answer = String::new();
    tokio::io::AsyncReadExt::read_to_string(&mut http1, &mut answer).await.unwrap();
    assert!(answer.starts_with("HTTP/1.1 404 Not Found\r\n"), "{answer}");
    // Real clients are unaffected.
    assert_eq!(s.client.extract(request("Iran")).await.unwrap().into_inner().mentions.len(), 1);
    s.stop().await;
}

#[tokio::test]
async fn beyond_the_connection_cap_an_idle_connection_yields_and_a_busy_one_does_not() {
    let mut s = Running::start(Limits { max_connections: 1, ..Limits::default() }, true).await;
    // The one connection has a call open: a batch whose client has not closed its side.
    let (tx, rx) = tokio::sync::mpsc::channel::<pb::ExtractBatchRequest>(1);
    let mut results = s.client.extract_batch(tokio_stream::wrappers::ReceiverStream::new(rx)).await.unwrap().into_inner();
    tx.send(pb::ExtractBatchRequest { request: Some(pb::ExtractRequest { document_id: "a".into(), text: "Iran".into(), ..Default::default() }) })
        .await
        .unwrap();
    assert_eq!(results.message().await.unwrap().unwrap().document_id, "a");
    let second = Channel::from_shared(format!("http://{}", s.addr)).unwrap().connect_lazy();
    let mut other = EntityExtractorClient::new(second.clone());
    let mut waiting = tokio::spawn(async move { other.extract(request("Iran")).await.map(|r| r.into_inner().mentions.len()) });
    // A connection with a call open keeps its place: the second client's call waits...
    assert!(tokio::time::timeout(Duration::from_millis(300), &mut waiting).await.is_err(), "the second connection waits while the first has a call");
    // ...until the call ends and the first connection, idle now, yields its place.
    drop(tx);
    assert!(results.message().await.unwrap().is_none());
    let served = tokio::time::timeout(Duration::from_secs(10), waiting).await.expect("served once the first connection was idle");
    assert_eq!(served.unwrap().unwrap(), 1);
    // The first client got GOAWAY, not a reset: its next call reconnects (and the second
    // connection, idle now, yields in turn).
    let again = tokio::time::timeout(Duration::from_secs(10), s.client.extract(request("Iran"))).await.expect("the first client reconnects");
    assert_eq!(again.unwrap().into_inner().mentions.len(), 1);
    s.stop().await;
}

#[tokio::test]
async fn a_connection_in_its_handshake_yields_its_place_to_a_new_one() {
    let s = Running::start(Limits { max_connections: 1, ..Limits::default() }, true).await;
    // The server's only permit goes to a socket that never sends its preface (the handshake
    // timeout is 10 s)...
    let mut silent = tokio::net::TcpStream::connect(s.addr).await.unwrap();
    let second = Channel::from_shared(format!("http://{}", s.addr)).unwrap().connect_lazy();
    // ...the first connection made after it (the test's own client is lazy too: it has
    // connected when its first call was answered) takes its place.
    let answered = tokio::time::timeout(Duration::from_secs(5), EntityExtractorClient::new(second).extract(request("Iran"))).await;
    assert_eq!(answered.expect("served before the handshake timeout").unwrap().into_inner().mentions.len(), 1);
    let mut buf = [0u8; 1];
    let read = tokio::time::timeout(Duration::from_secs(5), tokio::io::AsyncReadExt::read(&mut silent, &mut buf)).await.expect("the silent socket was closed");
    assert!(matches!(read, Ok(0) | Err(_)), "closed, not written to: {read:?}");
    s.stop().await;
}

#[tokio::test]
async fn an_idle_connection_gets_goaway_and_one_with_a_call_open_does_not() {
    let idle = Duration::from_millis(300);
    let s = Running::start(Limits { idle_timeout: Some(idle), ..Limits::default() }, true).await;
    // A raw HTTP/2 connection with no call: the server ends it (GOAWAY, then close).
    let tcp = tokio::net::TcpStream::connect(s.addr).await.unwrap();
    let (_send, connection) = h2::client::handshake(tcp).await.unwrap();
    let opened = std::time::Instant::now();
    let ended = tokio::time::timeout(Duration::from_secs(10), connection).await.expect("an idle connection is closed");
    assert!(ended.is_ok(), "closed gracefully: {ended:?}");
    assert!(opened.elapsed() >= idle, "not before the idle timeout: {:?}", opened.elapsed());

    // A batch left open for three idle timeouts keeps its connection: its next document is
    // answered on the same stream. (A new client: the test's own connection has been idle
    // since the start, and is being closed.)
    let mut client = EntityExtractorClient::new(Channel::from_shared(format!("http://{}", s.addr)).unwrap().connect_lazy());
    let (tx, rx) = tokio::sync::mpsc::channel::<pb::ExtractBatchRequest>(1);
    let mut results = client.extract_batch(tokio_stream::wrappers::ReceiverStream::new(rx)).await.unwrap().into_inner();
    let document = |id: &str| pb::ExtractBatchRequest { request: Some(pb::ExtractRequest { document_id: id.into(), text: "Iran".into(), ..Default::default() }) };
    tx.send(document("a")).await.unwrap();
    assert_eq!(results.message().await.unwrap().unwrap().document_id, "a");
    tokio::time::sleep(idle * 3).await;
    tx.send(document("b")).await.unwrap();
    assert_eq!(results.message().await.unwrap().unwrap().document_id, "b");
    drop(tx);
    assert!(results.message().await.unwrap().is_none());
    // Idle now: the client is told to go, and its next call opens a new connection.
    tokio::time::sleep(idle * 2).await;
    assert_eq!(client.extract(request("Iran")).await.unwrap().into_inner().mentions.len(), 1);
    s.stop().await;
}

#[tokio::test]
async fn calls_open_at_the_drain_deadline_end_with_unavailable() {
    let mut s = Running::start(Limits { drain_timeout: Duration::from_millis(200), ..Limits::default() }, true).await;
    let (tx, rx) = tokio::sync::mpsc::channel::<pb::ExtractBatchRequest>(1);
    let mut results = s.client.extract_batch(tokio_stream::wrappers::ReceiverStream::new(rx)).await.unwrap().into_inner();
    tx.send(pb::ExtractBatchRequest { request: Some(pb::ExtractRequest { document_id: "a".into(), text: "Iran".into(), ..Default::default() }) })
        .await
        .unwrap();
    assert_eq!(results.message().await.unwrap().unwrap().document_id, "a");
    let _ = s.stop.take().unwrap().send(());
    // The client never closes its stream: at the deadline the call ends with a status it can
    // retry on, not with a reset connection (which clients report as INTERNAL or UNKNOWN).
    let status = tokio::time::timeout(Duration::from_secs(10), results.message()).await.expect("ended at the deadline").unwrap_err();
    assert_eq!(status.code(), Code::Unavailable, "{status:?}");
    assert!(status.message().contains("drain timeout"), "{}", status.message());
    tokio::time::timeout(Duration::from_secs(10), s.server).await.expect("drain bounded").unwrap().unwrap();
    drop(tx);
}

#[tokio::test]
async fn bytes_in_flight_are_bounded_and_slow_readers_hold_their_share() {
    // Room for one stream of `big`: its text and one chunk's mentions (about 470 KB), with
    // some to spare; not for the text of two.
    let limits = Limits { max_bytes_in_flight: 1_700_000, ..Limits::default() };
    let mut s = Running::start(limits, true).await;
    // 1,008,000 bytes, streamed in chunks of at most 64 KiB; 96,000 mentions (about 7 MB)
    // streamed are more than the client's flow-control windows take without the application
    // reading.
    let big = "Putin met Netanyahu. ".repeat(48_000);
    // A reader that takes one message and then stops reading keeps its text's share and that
    // of the chunk's mentions it has not taken.
    let mut slow = s.client.extract_stream(pb::ExtractStreamRequest { request: Some(request(&big)) }).await.unwrap().into_inner();
    assert!(slow.message().await.unwrap().is_some());
    // The same text again does not fit beside it.
    let status = s.client.extract_stream(pb::ExtractStreamRequest { request: Some(request(&big)) }).await.map(|_| ()).unwrap_err();
    assert_eq!(status.code(), Code::ResourceExhausted, "{status:?}");
    // Refused as it arrives: the message announces its length before its text is decoded.
    for part in ["a request message of 10080", "over the limit of 1700000 bytes (--max-bytes-in-flight)"] {
        assert!(status.message().contains(part), "{part:?} not in {:?}", status.message());
    }
    // Small texts still fit beside it: the stream holds one chunk's mentions, not the
    // document's (the code before held all 7 MB of them).
    assert_eq!(s.client.extract(request("Iran")).await.unwrap().into_inner().mentions.len(), 1);
    // Once the slow stream is gone its share returns (the server learns of the cancel
    // asynchronously: poll, with a bound).
    drop(slow);
    let mut admitted = false;
    for _ in 0..500 {
        match s.client.extract_stream(pb::ExtractStreamRequest { request: Some(request(&big)) }).await {
            Ok(stream) => {
                let mut stream = stream.into_inner();
                let mut messages = 0;
                while stream.message().await.unwrap().is_some() {
                    messages += 1;
                }
                assert_eq!(messages, 96_001);
                admitted = true;
                break;
            }
            Err(status) => {
                assert_eq!(status.code(), Code::ResourceExhausted);
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
        }
    }
    assert!(admitted, "the share of a cancelled stream is returned");
    s.stop().await;
}

#[tokio::test]
async fn one_connection_cannot_take_the_whole_budget() {
    let limits = Limits { max_connection_bytes_in_flight: 1_700_000, ..Limits::default() };
    let mut s = Running::start(limits, true).await;
    let big = "Putin met Netanyahu. ".repeat(48_000);
    let mut slow = s.client.extract_stream(pb::ExtractStreamRequest { request: Some(request(&big)) }).await.unwrap().into_inner();
    assert!(slow.message().await.unwrap().is_some());
    // The same connection is at its limit (the global budget has room: the code before let
    // this in)...
    let status = s.client.extract_stream(pb::ExtractStreamRequest { request: Some(request(&big)) }).await.map(|_| ()).unwrap_err();
    assert_eq!(status.code(), Code::ResourceExhausted, "{status:?}");
    assert!(status.message().contains("over its limit of 1700000 bytes (--max-connection-bytes-in-flight)"), "{}", status.message());
    // ...another connection is not.
    let other = Channel::from_shared(format!("http://{}", s.addr)).unwrap().connect().await.unwrap();
    let mut stream = EntityExtractorClient::new(other)
        .extract_stream(pb::ExtractStreamRequest { request: Some(request(&big)) })
        .await
        .unwrap()
        .into_inner();
    let mut messages = 0;
    while stream.message().await.unwrap().is_some() {
        messages += 1;
    }
    assert_eq!(messages, 96_001);
    drop(slow);
    s.stop().await;
}

/// The stream of `request`: its mentions and its summary.
async fn streamed(s: &mut Running, request: pb::ExtractRequest) -> (Vec<pb::Mention>, pb::ExtractStreamSummary) {
    let mut stream = s.client.extract_stream(pb::ExtractStreamRequest { request: Some(request) }).await.unwrap().into_inner();
    let (mut mentions, mut summary) = (Vec::new(), None);
    while let Some(message) = stream.message().await.unwrap() {
        assert!(summary.is_none(), "a message after the summary");
        match message.event.unwrap() {
            pb::extract_stream_response::Event::Mention(m) => mentions.push(m),
            pb::extract_stream_response::Event::Summary(x) => summary = Some(x),
        }
    }
    (mentions, summary.expect("a summary closes the stream"))
}

#[tokio::test]
async fn a_large_document_streams_in_chunks_with_no_name_cut_at_their_edges() {
    let mut s = Running::start(Limits { max_message_bytes: 64 << 20, ..Limits::default() }, true).await;
    // No sentence ends and no blank lines: every chunk is cut after a space, many inside a
    // name of two or three words. A non-ASCII letter in every unit makes UTF-16 offsets
    // differ from byte offsets.
    let text = "The New York Times and UN Security Council in Zürich and ".repeat(6_000);
    let request = pb::ExtractRequest { offset_encoding: pb::OffsetEncoding::Utf16 as i32, ..request(&text) };
    let whole = s.client.extract(request.clone()).await.unwrap().into_inner();
    let (mentions, summary) = streamed(&mut s, request).await;
    assert!(summary.chunks >= 5, "{} chunks", summary.chunks);
    assert_eq!(whole.mentions.len(), 18_000);
    assert_eq!(summary.mention_count as usize, mentions.len());
    let key = |m: &pb::Mention| (m.text.clone(), m.start, m.end, m.entity_id.clone(), m.kind);
    let want: Vec<_> = whole.mentions.iter().map(key).collect();
    let got: Vec<_> = mentions.iter().map(key).collect();
    assert_eq!(got.len(), want.len());
    if let Some(k) = (0..want.len()).find(|&k| got[k] != want[k]) {
        panic!("mention {k}: streamed {:?}, Extract {:?}", got[k], want[k]);
    }
    // The offsets are the text's own, in UTF-16 code units.
    let utf16: Vec<u16> = text.encode_utf16().collect();
    for m in &mentions {
        assert_eq!(String::from_utf16(&utf16[m.start as usize..m.end as usize]).unwrap(), m.text);
    }
    // The summary groups the chunks' mentions by entity, in order of first mention.
    let group = |e: &pb::Entity| (e.entity_id.clone(), e.mention_indexes.clone());
    assert_eq!(summary.entities.iter().map(group).collect::<Vec<_>>(), whole.entities.iter().map(group).collect::<Vec<_>>());
    s.stop().await;
}

#[tokio::test]
async fn a_large_documents_request_errors_are_the_calls_status() {
    let mut s = Running::start(Limits::default(), true).await;
    let text = "Putin met Netanyahu. ".repeat(10_000);
    let bad = pb::ExtractRequest { gazetteers: vec!["nope".into()], ..request(&text) };
    let status = s.client.extract_stream(pb::ExtractStreamRequest { request: Some(bad) }).await.map(|_| ()).unwrap_err();
    assert_eq!(status.code(), Code::InvalidArgument, "{status:?}");
    // A document of one chunk says so, and gets Extract's result.
    let (mentions, summary) = streamed(&mut s, request(TEXT)).await;
    assert_eq!(summary.chunks, 1);
    check_mentions(&mentions);
    // A large one says how many chunks it was extracted in; its mentions come in text order.
    let (mentions, summary) = streamed(&mut s, request(&text)).await;
    assert!(summary.chunks >= 4, "{} chunks", summary.chunks);
    assert_eq!(mentions.len(), 20_000);
    assert!(mentions.windows(2).all(|w| w[0].end <= w[1].start));
    s.stop().await;
}

/// A letter-dot run ("a.a.a."): linear, but slow; 3 MB take about 2.7 s in a debug build, and
/// a release build gets 16 MB to stay busy for well over a second. Large texts go to the
/// blocking threads, and the engine asks whether to stop every 16 KiB.
fn slow_text() -> String {
    gazette::bench::repeat_to("a.", if cfg!(debug_assertions) { 3_000_000 } else { 16_000_000 })
}

/// Limits that admit [`slow_text`] in either build.
fn slow_limits(limits: Limits) -> Limits {
    Limits { max_text_bytes: 24 << 20, max_message_bytes: 32 << 20, ..limits }
}

#[tokio::test]
async fn a_passed_deadline_ends_the_call_and_stops_its_work() {
    let mut s = Running::start(slow_limits(Limits { extract_threads: 1, ..Limits::default() }), true).await;
    let mut running = s.handle.running();
    // A batch stream: the client's own timer covers only the response headers, so what ends
    // the stream at the deadline is the server's status.
    let (tx, rx) = tokio::sync::mpsc::channel::<pb::ExtractBatchRequest>(1);
    let mut call = tonic::Request::new(tokio_stream::wrappers::ReceiverStream::new(rx));
    call.set_timeout(Duration::from_millis(800));
    let started = std::time::Instant::now();
    let mut results = s.client.extract_batch(call).await.unwrap().into_inner();
    tx.send(pb::ExtractBatchRequest { request: Some(request(&slow_text())) }).await.unwrap();
    // The extraction runs (the deadline has not passed yet)...
    assert!(running.wait_for(|&n| n == 1).await.is_ok());
    // ...the stream ends with DEADLINE_EXCEEDED at its deadline (it used to run on to the
    // document's result, seconds later)...
    let status = results.message().await.unwrap_err();
    assert_eq!(status.code(), Code::DeadlineExceeded, "{status:?}");
    assert!(status.message().contains("deadline of 800ms"), "{}", status.message());
    assert!(started.elapsed() < Duration::from_secs(2), "{:?}", started.elapsed());
    // ...and the work stops within a check of the engine (it had seconds left to run).
    let stopped = tokio::time::timeout(Duration::from_millis(500), running.wait_for(|&n| n == 0)).await.is_ok();
    assert!(stopped, "the extraction was still running 500 ms after its deadline");
    drop(tx);

    // A unary call: tonic's client answers itself at the deadline (CANCELLED "Timeout
    // expired"), the server a moment later with DEADLINE_EXCEEDED; either way the work stops.
    let mut call = tonic::Request::new(request(&slow_text()));
    call.set_timeout(Duration::from_millis(800));
    let mut client = s.client.clone();
    let call = tokio::spawn(async move { client.extract(call).await.map(|_| ()) });
    assert!(running.wait_for(|&n| n == 1).await.is_ok());
    let status = call.await.unwrap().unwrap_err();
    assert!(matches!(status.code(), Code::DeadlineExceeded | Code::Cancelled), "{status:?}");
    let stopped = tokio::time::timeout(Duration::from_millis(500), running.wait_for(|&n| n == 0)).await.is_ok();
    assert!(stopped, "the extraction was still running 500 ms after its deadline");
    // The one extraction thread is free again at once.
    let mut next = tonic::Request::new(request(&"Putin met Netanyahu in Iran. ".repeat(3_000)));
    next.set_timeout(Duration::from_secs(10));
    assert_eq!(s.client.extract(next).await.unwrap().into_inner().mentions.len(), 9_000);
    s.stop().await;
}

#[tokio::test]
async fn large_texts_take_turns_small_ones_do_not_wait_and_a_cancelled_call_stops() {
    let mut s = Running::start(slow_limits(Limits { extract_threads: 1, ..Limits::default() }), true).await;
    let mut running = s.handle.running();
    let mut client = s.client.clone();
    let slow = tokio::spawn(async move { client.extract(request(&slow_text())).await.map(|_| ()) });
    assert!(running.wait_for(|&n| n == 1).await.is_ok());
    // Small calls run on the async workers, beside the large one.
    for _ in 0..20 {
        let small = tokio::time::timeout(Duration::from_secs(1), s.client.extract(request("Putin met Netanyahu in Iran."))).await;
        assert_eq!(small.expect("a small call does not wait").unwrap().into_inner().mentions.len(), 3);
    }
    assert!(!slow.is_finished(), "the large call is still being extracted");
    // A second large text waits for the one extraction thread (the code before ran any
    // number at once)...
    let mut client = s.client.clone();
    let mut second = tokio::spawn(async move {
        client.extract(request(&"Putin met Netanyahu in Iran. ".repeat(3_000))).await.map(|r| r.into_inner().mentions.len())
    });
    assert!(tokio::time::timeout(Duration::from_millis(300), &mut second).await.is_err(), "the second large text waits its turn");
    // ...until the client of the first cancels: its work stops, and the second runs.
    slow.abort();
    let served = tokio::time::timeout(Duration::from_millis(1500), second).await.expect("served once the cancelled work stopped");
    assert_eq!(served.unwrap().unwrap(), 9_000);
    assert_eq!(*running.borrow(), 0);
    s.stop().await;
}

#[tokio::test]
async fn a_huge_extraction_cut_at_the_drain_deadline_stops() {
    let mut s = Running::start(slow_limits(Limits { drain_timeout: Duration::from_millis(200), ..Limits::default() }), true).await;
    let mut running = s.handle.running();
    let mut client = s.client.clone();
    let call = tokio::spawn(async move { client.extract(request(&slow_text())).await.map(|_| ()) });
    assert!(running.wait_for(|&n| n == 1).await.is_ok());
    let _ = s.stop.take().unwrap().send(());
    let status = call.await.unwrap().unwrap_err();
    assert_eq!(status.code(), Code::Unavailable, "{status:?}");
    assert!(status.message().contains("drain timeout"), "{}", status.message());
    tokio::time::timeout(Duration::from_secs(5), s.server).await.expect("drain bounded").unwrap().unwrap();
    // The work stopped too (the code before left it running for seconds, and the process
    // waited for it to exit).
    let stopped = tokio::time::timeout(Duration::from_millis(500), running.wait_for(|&n| n == 0)).await.is_ok();
    assert!(stopped, "the extraction was still running 500 ms after the cut");
}
