package dev.nanogen.gateway.error;

import java.util.List;
import java.util.Map;

/** A 400 VALIDATION_ERROR listing each offending field. */
public final class ValidationFailed extends AppError {

  /** One offending field and what is wrong with it. */
  public record FieldProblem(String field, String message) {}

  public ValidationFailed(List<FieldProblem> errors) {
    super(ErrorCode.VALIDATION_ERROR, describe(errors), Map.of("errors", errors));
  }

  public static ValidationFailed of(String field, String message) {
    return new ValidationFailed(List.of(new FieldProblem(field, message)));
  }

  private static String describe(List<FieldProblem> errors) {
    return errors.stream()
        .map(e -> e.field() + ": " + e.message())
        .reduce((a, b) -> a + "; " + b)
        .orElse("invalid request");
  }
}
