package dev.nanogen.model;

/** What a catalog model produces; decides which AIML endpoint and which Telegram method is used. */
public enum ModelKind {
  IMAGE,
  VIDEO;

  public String wire() {
    return name().toLowerCase(java.util.Locale.ROOT);
  }

  public static ModelKind fromWire(String value) {
    return valueOf(value.toUpperCase(java.util.Locale.ROOT));
  }
}
