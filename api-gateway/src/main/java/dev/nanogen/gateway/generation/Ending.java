package dev.nanogen.gateway.generation;

import dev.nanogen.model.GenerationStatus;
import java.util.List;

/**
 * How a generation ends.
 *
 * @param status completed, failed or cancelled
 * @param reason why, for the status history and the ledger row
 */
public record Ending(
    GenerationStatus status,
    String reason,
    List<String> resultUrls,
    String errorCode,
    String errorMessage) {

  public Ending {
    if (!status.isTerminal()) {
      throw new IllegalArgumentException(status + " is not an end");
    }
  }

  public static Ending completed(List<String> resultUrls) {
    return new Ending(
        GenerationStatus.COMPLETED, "completed by the provider", resultUrls, null, null);
  }

  public static Ending failed(String errorCode, String errorMessage, String reason) {
    return new Ending(GenerationStatus.FAILED, reason, null, errorCode, errorMessage);
  }

  public static Ending cancelled(String reason) {
    return new Ending(GenerationStatus.CANCELLED, reason, null, "CANCELLED", null);
  }
}
