package dev.nanogen.testkit;

import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Reads the text parts of a multipart/form-data body; file parts are noted by name only. */
final class Multipart {
  private static final Pattern NAME = Pattern.compile("name=\"([^\"]*)\"");

  private Multipart() {}

  static Map<String, Object> textParts(String contentType, byte[] body) {
    String boundary = contentType.substring(contentType.indexOf("boundary=") + 9).replace("\"", "");
    String text = new String(body, StandardCharsets.ISO_8859_1);
    Map<String, Object> out = new LinkedHashMap<>();
    for (String part : text.split("--" + Pattern.quote(boundary))) {
      int headerEnd = part.indexOf("\r\n\r\n");
      if (headerEnd < 0) {
        continue;
      }
      String headers = part.substring(0, headerEnd);
      Matcher name = NAME.matcher(headers);
      if (!name.find()) {
        continue;
      }
      String value = part.substring(headerEnd + 4).replaceFirst("\r\n$", "");
      if (headers.contains("filename=")) {
        out.put(name.group(1), "<file " + value.length() + " bytes>");
      } else {
        out.put(
            name.group(1),
            new String(value.getBytes(StandardCharsets.ISO_8859_1), StandardCharsets.UTF_8));
      }
    }
    return out;
  }
}
