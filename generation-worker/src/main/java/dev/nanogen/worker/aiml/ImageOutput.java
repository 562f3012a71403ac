package dev.nanogen.worker.aiml;

/** One image of a synchronous answer: a provider URL (kept as given), or the bytes themselves. */
public sealed interface ImageOutput {

  /** {@code data[].url} or {@code images[].url}. */
  record Link(String url) implements ImageOutput {}

  /** {@code data[].b64_json}, decoded: the system stores it and serves it itself. */
  record Inline(byte[] bytes) implements ImageOutput {}
}
