package dev.nanogen.gateway.i18n;

import jakarta.servlet.http.HttpServletRequest;
import java.util.Locale;
import java.util.Set;

/**
 * The language of user-facing messages: the signed-in user's language_code when known, else the
 * request's Accept-Language; one of ru, uz, en, with en as the fallback.
 */
public final class UserLocale {
  /** Request attribute holding the authenticated user's language_code. */
  public static final String ATTRIBUTE = UserLocale.class.getName();

  private static final Set<String> SUPPORTED = Set.of("ru", "uz", "en");

  private UserLocale() {}

  public static Locale of(HttpServletRequest request) {
    Object fromInitData = request.getAttribute(ATTRIBUTE);
    if (fromInitData instanceof String code) {
      return supported(code);
    }
    return supported(request.getLocale().getLanguage());
  }

  public static Locale supported(String languageCode) {
    if (languageCode == null) {
      return Locale.ENGLISH;
    }
    String language = languageCode.toLowerCase(Locale.ROOT);
    int dash = language.indexOf('-');
    language = dash > 0 ? language.substring(0, dash) : language;
    return SUPPORTED.contains(language) ? Locale.of(language) : Locale.ENGLISH;
  }
}
