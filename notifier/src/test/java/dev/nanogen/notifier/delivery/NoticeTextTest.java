package dev.nanogen.notifier.delivery;

import static org.assertj.core.api.Assertions.assertThat;

import dev.nanogen.model.FailureCode;
import java.io.InputStreamReader;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Properties;
import org.junit.jupiter.api.Test;

/**
 * A long prompt's preview is cut where a reader sees a character end, never inside one; every
 * failure code has its words.
 */
class NoticeTextTest {

  @Test
  void a_preview_cut_at_an_emoji_keeps_the_emoji_whole_and_encodes_as_utf8() throws Exception {
    // 118 letters, then emoji that straddle the cut: a surrogate pair, a family (ZWJ sequence),
    // a flag (two regional indicators).
    for (String emoji : new String[] {"😀", "👨‍👩‍👧", "🇺🇿", "é"}) {
      String prompt = "a".repeat(118) + emoji + " and more text after it";

      String preview = NoticeText.preview(prompt);

      assertThat(preview).endsWith("…");
      assertThat(preview.length()).isLessThanOrEqualTo(NoticeText.PROMPT_PREVIEW);
      String kept = preview.substring(0, preview.length() - 1);
      assertThat(kept).as(emoji).isIn("a".repeat(118), "a".repeat(118) + emoji);
      strictUtf8(preview);
    }
  }

  @Test
  void a_short_prompt_is_kept_as_it_is() {
    String prompt = "a cat on the moon 🌙";
    assertThat(NoticeText.preview(prompt)).isEqualTo(prompt);
  }

  @Test
  void every_failure_code_reads_as_a_reason_in_every_language() throws Exception {
    for (String bundle : new String[] {"messages", "messages_ru", "messages_uz"}) {
      Properties messages = new Properties();
      try (var in = NoticeTextTest.class.getResourceAsStream("/" + bundle + ".properties")) {
        messages.load(new InputStreamReader(in, StandardCharsets.UTF_8));
      }
      for (FailureCode code : FailureCode.values()) {
        assertThat(messages.getProperty("reason." + code.name()))
            .as(bundle + ": reason." + code.name())
            .isNotBlank();
      }
    }
  }

  private static void strictUtf8(String text) throws CharacterCodingException {
    StandardCharsets.UTF_8
        .newEncoder()
        .onMalformedInput(CodingErrorAction.REPORT)
        .onUnmappableCharacter(CodingErrorAction.REPORT)
        .encode(CharBuffer.wrap(text));
  }
}
