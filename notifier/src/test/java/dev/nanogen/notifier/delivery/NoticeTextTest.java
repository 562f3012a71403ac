package dev.nanogen.notifier.delivery;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** A long prompt's preview is cut where a reader sees a character end, never inside one. */
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

  private static void strictUtf8(String text) throws CharacterCodingException {
    StandardCharsets.UTF_8
        .newEncoder()
        .onMalformedInput(CodingErrorAction.REPORT)
        .onUnmappableCharacter(CodingErrorAction.REPORT)
        .encode(CharBuffer.wrap(text));
  }
}
