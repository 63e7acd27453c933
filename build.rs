//! Compiles `proto/gazette/v1/gazette.proto` without a system protoc: protox parses it into a
//! descriptor set, which tonic-prost-build turns into Rust and which the server embeds for
//! gRPC reflection.

use std::path::PathBuf;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let proto = "proto/gazette/v1/gazette.proto";
    println!("cargo:rerun-if-changed={proto}");
    let fds = protox::compile([proto], ["proto"])?;
    let out = PathBuf::from(std::env::var("OUT_DIR")?);
    std::fs::write(out.join("gazette_descriptor.bin"), prost::Message::encode_to_vec(&fds))?;
    tonic_prost_build::configure()
        .build_server(true)
        .build_client(true)
        // prost's codec, encoding each message into one vector first (see `grpc::codec`).
        .codec_path("crate::grpc::codec::Codec")
        // Written by hand, so that the server can encode a response's mentions and entities
        // straight from the extraction (see `grpc::wire`).
        .extern_path(".gazette.v1.ExtractResponse", "crate::grpc::wire::ExtractResponse")
        .compile_fds(fds)?;
    Ok(())
}
