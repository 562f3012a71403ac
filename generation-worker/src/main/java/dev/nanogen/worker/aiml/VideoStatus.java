package dev.nanogen.worker.aiml;

/**
 * One poll's view of a video task.
 *
 * @param state queued, generating, completed or error
 * @param url the video, once completed
 * @param error the provider's error message, once failed
 * @param cost what the provider says it charged ({@code cost} in its answer), or null
 */
public record VideoStatus(String state, String url, String error, java.math.BigDecimal cost) {
  public boolean finished() {
    return "completed".equals(state) || "error".equals(state);
  }
}
