package dev.nanogen.gateway.generation;

import dev.nanogen.gateway.error.ValidationFailed;
import dev.nanogen.gateway.error.ValidationFailed.FieldProblem;
import dev.nanogen.gateway.idempotency.IdempotencyKeys;
import io.swagger.v3.oas.annotations.media.ArraySchema;
import io.swagger.v3.oas.annotations.media.Schema;
import jakarta.annotation.Nullable;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/** Body of POST /api/generation/start. Unknown fields are ignored; wrong types are a 400. */
@Schema(
    name = "StartRequest",
    example =
        "{\"model_id\": \"flux-schnell\", \"prompt\": \"a cat on the moon\", \"params\": {\"num_images\": 1}}")
record StartRequest(
    @Schema(minLength = 1, example = "flux-schnell") String modelId,
    @Schema(minLength = 1, maxLength = MAX_PROMPT, example = "a cat on the moon") String prompt,
    @Nullable @Schema(maxProperties = MAX_PARAMS) Map<String, Object> params,
    @Nullable
        @ArraySchema(
            maxItems = MAX_INPUTS,
            arraySchema =
                @Schema(
                    description =
                        "the caller's uploads the model works on (GET /api/models, inputs), in order;"
                            + " none twice"))
        List<UUID> inputIds,
    @Nullable String idempotencyKey) {
  static final int MAX_PROMPT = 4000;
  static final int MAX_PARAMS = 16;
  static final int MAX_INPUTS = 8;

  /** The uploads named, none when the body has no input_ids. */
  List<UUID> inputs() {
    return inputIds == null ? List.of() : inputIds;
  }

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
    if (inputIds != null) {
      if (inputIds.stream().anyMatch(java.util.Objects::isNull)) {
        problems.add(new FieldProblem("input_ids", "must not contain null"));
      } else if (inputIds.size() > MAX_INPUTS) {
        problems.add(new FieldProblem("input_ids", "must have at most " + MAX_INPUTS + " ids"));
      } else if (new java.util.HashSet<>(inputIds).size() != inputIds.size()) {
        problems.add(new FieldProblem("input_ids", "must not name an upload twice"));
      }
    }
    if (!problems.isEmpty()) {
      throw new ValidationFailed(problems);
    }
  }

  /**
   * What the idempotency fingerprint covers: the request without its key (input_ids only when
   * given, so a text-only start's fingerprint is what it always was).
   */
  Map<String, Object> fingerprintable() {
    Map<String, Object> covered = new java.util.LinkedHashMap<>();
    covered.put("model_id", modelId);
    covered.put("prompt", prompt);
    covered.put("params", params == null ? Map.of() : params);
    if (!inputs().isEmpty()) {
      covered.put("input_ids", inputs());
    }
    return covered;
  }
}
