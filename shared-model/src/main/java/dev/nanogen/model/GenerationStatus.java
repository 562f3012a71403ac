package dev.nanogen.model;

/**
 * Lifecycle of a generation: {@code pending → processing → completed | failed | cancelled}.
 *
 * <p>{@link #FAILED} and {@link #CANCELLED} always mean the credit hold was released; {@link
 * #COMPLETED} means it was captured. The wire and database form is the lower-case name.
 */
public enum GenerationStatus {
  PENDING,
  PROCESSING,
  COMPLETED,
  FAILED,
  CANCELLED;

  /** The lower-case name used in JSON and in the database. */
  public String wire() {
    return name().toLowerCase(java.util.Locale.ROOT);
  }

  public static GenerationStatus fromWire(String value) {
    return valueOf(value.toUpperCase(java.util.Locale.ROOT));
  }

  public boolean isTerminal() {
    return this == COMPLETED || this == FAILED || this == CANCELLED;
  }
}
