package dev.nanogen.gateway.config;

import dev.nanogen.gateway.error.ValidationFailed;
import org.springframework.boot.jackson.autoconfigure.JsonMapperBuilderCustomizer;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import tools.jackson.core.JsonParser;
import tools.jackson.core.StreamReadFeature;
import tools.jackson.databind.DeserializationContext;
import tools.jackson.databind.cfg.CoercionAction;
import tools.jackson.databind.cfg.CoercionInputShape;
import tools.jackson.databind.deser.jdk.StringDeserializer;
import tools.jackson.databind.deser.std.StdScalarDeserializer;
import tools.jackson.databind.module.SimpleModule;
import tools.jackson.databind.type.LogicalType;

/**
 * Wrong JSON types are a 400, not silently coerced (docs/api.md): a number or a boolean where the
 * API expects text, or text where it expects a number, is refused. Unknown fields stay ignored. A
 * key given twice, and a NUL character in any text (PostgreSQL stores none), are a 400 too.
 */
@Configuration(proxyBeanMethods = false)
class StrictJson {

  @Bean
  JsonMapperBuilderCustomizer strictScalars() {
    return builder ->
        builder
            // {"amount": 1, "amount": 1000}: which one counts is for nobody to guess.
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .addModule(new SimpleModule("no-nul").addDeserializer(String.class, new NoNulStrings()))
            .withCoercionConfig(
                LogicalType.Textual,
                config ->
                    config
                        .setCoercion(CoercionInputShape.Integer, CoercionAction.Fail)
                        .setCoercion(CoercionInputShape.Float, CoercionAction.Fail)
                        .setCoercion(CoercionInputShape.Boolean, CoercionAction.Fail))
            .withCoercionConfig(
                LogicalType.Integer,
                config ->
                    config
                        .setCoercion(CoercionInputShape.String, CoercionAction.Fail)
                        .setCoercion(CoercionInputShape.Float, CoercionAction.Fail));
  }

  /** Text as usual, refused when it holds a NUL character. */
  static final class NoNulStrings extends StdScalarDeserializer<String> {
    NoNulStrings() {
      super(String.class);
    }

    @Override
    public String deserialize(JsonParser parser, DeserializationContext context) {
      String value = StringDeserializer.instance.deserialize(parser, context);
      if (value != null && value.indexOf('\u0000') >= 0) {
        String field = parser.currentName();
        throw ValidationFailed.of(
            field == null ? "body" : field, "must not contain a NUL character");
      }
      return value;
    }
  }
}
