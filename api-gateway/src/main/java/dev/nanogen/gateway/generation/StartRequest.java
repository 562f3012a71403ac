package dev.nanogen.gateway.generation;

import dev.nanogen.gateway.error.ValidationFailed;
import dev.nanogen.gateway.error.ValidationFailed.FieldProblem;
import dev.nanogen.gateway.idempotency.IdempotencyKeys;
import io.swagger.v3.oas.annotations.media.Schema;
import jakarta.annotation.Nullable;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Body of POST /api/generation/start. Unknown fields are ignored; wrong types are a 400. */
@Schema(
    name = "StartRequest",
    example =
        "{\"model_id\": \"flux-schnell\", \"prompt\": \"a cat on the moon\", \"params\": {\"num_images\": 1}}")
record StartRequest(
    @Schema(minLength = 1, example = "flux-schnell") String modelId,
    @Schema(minLength = 1, maxLength = MAX_PROMPT, example = "a cat on the moon") String prompt,
    @Nullable @Schema(maxProperties = MAX_PARAMS) Map<String, Object> params,
    @Nullable String idempotencyKey) {
  static final int MAX_PROMPT = 4000;
  static final int MAX_PARAMS = 16;

  /** The key from the header or the body; both present and different is a 400. */
  String effectiveKey(String header) {
    return IdempotencyKeys.effectiveKey(header, idempotencyKey);
  }

  void validate() {
    List<FieldProblem> problems = new ArrayList<>();
    if (modelId == null || modelId.isBlank()) {
      problems.add(new FieldProblem("model_id", "is required"));
    }
    if (prompt == null || prompt.isBlank()) {
      problems.add(new FieldProblem("prompt", "is required"));
    } else if (prompt.codePointCount(0, prompt.length()) > MAX_PROMPT) {
      problems.add(new FieldProblem("prompt", "must be at most 4000 characters"));
    }
    if (params != null && params.size() > MAX_PARAMS) {
      problems.add(new FieldProblem("params", "must have at most 16 keys"));
    }
    if (!problems.isEmpty()) {
      throw new ValidationFailed(problems);
    }
  }

  /** What the idempotency fingerprint covers: the request without its key. */
  Map<String, Object> fingerprintable() {
    return Map.of(
        "model_id", modelId, "prompt", prompt, "params", params == null ? Map.of() : params);
  }
}
