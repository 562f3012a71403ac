package dev.nanogen.gateway.generation;

import dev.nanogen.model.FailureCode;
import dev.nanogen.model.GenerationStatus;
import java.math.BigDecimal;
import java.util.List;

/**
 * How a generation ends.
 *
 * @param status completed, failed or cancelled
 * @param reason why, for the status history and the ledger row
 * @param route the provider route that produced the results (completed), or null
 * @param providerCost what the provider charged (completed), or null
 */
public record Ending(
    GenerationStatus status,
    String reason,
    List<String> resultUrls,
    String errorCode,
    String errorMessage,
    String route,
    BigDecimal providerCost) {

  public Ending {
    if (!status.isTerminal()) {
      throw new IllegalArgumentException(status + " is not an end");
    }
  }

  public static Ending completed(List<String> resultUrls) {
    return completed(resultUrls, null, null);
  }

  public static Ending completed(List<String> resultUrls, String route, BigDecimal providerCost) {
    return new Ending(
        GenerationStatus.COMPLETED,
        "completed by the provider",
        resultUrls,
        null,
        null,
        route,
        providerCost);
  }

  public static Ending failed(FailureCode code, String errorMessage, String reason) {
    return new Ending(GenerationStatus.FAILED, reason, null, code.name(), errorMessage, null, null);
  }

  public static Ending cancelled(String reason) {
    return new Ending(GenerationStatus.CANCELLED, reason, null, "CANCELLED", null, null, null);
  }
}
