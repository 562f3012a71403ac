package dev.nanogen.gateway.auth;

import dev.nanogen.gateway.error.AppError;
import dev.nanogen.gateway.error.ErrorCode;
import dev.nanogen.gateway.error.LimitExceeded;
import dev.nanogen.gateway.i18n.UserLocale;
import dev.nanogen.gateway.limits.RequestBudget;
import dev.nanogen.gateway.web.ClientThrottle;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.util.Optional;
import org.slf4j.MDC;
import org.springframework.core.MethodParameter;
import org.springframework.stereotype.Component;
import org.springframework.web.bind.support.WebDataBinderFactory;
import org.springframework.web.context.request.NativeWebRequest;
import org.springframework.web.cors.CorsUtils;
import org.springframework.web.method.support.HandlerMethodArgumentResolver;
import org.springframework.web.method.support.ModelAndViewContainer;
import org.springframework.web.servlet.HandlerInterceptor;

/**
 * Authenticates {@code Authorization: tma <initData>} on every user endpoint, spends one call of
 * the user's request budget, signs the user in, refuses banned users, and hands controllers the
 * {@link CurrentUser}.
 */
@Component
class TmaAuthentication implements HandlerInterceptor, HandlerMethodArgumentResolver {
  private static final String SCHEME = "tma ";
  private static final String ATTRIBUTE = CurrentUser.class.getName();
  private static final String EVENTS = "/api/events";

  private final InitDataValidator validator;
  private final Users users;
  private final RequestBudget budget;
  private final EventTokens tokens;

  /** Event tokens that redeemed nothing, per client address: 20 a minute, then 429. */
  private final ClientThrottle tokenMisses =
      new ClientThrottle(20, java.time.Duration.ofMinutes(1));

  TmaAuthentication(
      InitDataValidator validator, Users users, RequestBudget budget, EventTokens tokens) {
    this.validator = validator;
    this.users = users;
    this.budget = budget;
    this.tokens = tokens;
  }

  @Override
  public boolean preHandle(
      HttpServletRequest request, HttpServletResponse response, Object handler) {
    if (CorsUtils.isPreFlightRequest(request)) {
      return true; // a browser asking before the call; the CORS configuration answers it
    }
    String header = request.getHeader("Authorization");
    if (header == null
        && request.getParameter("token") != null
        && EVENTS.equals(request.getRequestURI())) {
      return signInByToken(request, request.getParameter("token"));
    }
    if (header == null || !header.regionMatches(true, 0, SCHEME, 0, SCHEME.length())) {
      throw new AppError(ErrorCode.INVALID_INIT_DATA, "Authorization: tma <initData> is required");
    }
    TelegramUser telegramUser = validator.validate(header.substring(SCHEME.length()).trim());
    request.setAttribute(UserLocale.ATTRIBUTE, telegramUser.languageCode());
    budget.spend(telegramUser.id());
    Users.Row row = users.signIn(telegramUser);
    if (row.banned()) {
      throw new AppError(ErrorCode.USER_BANNED, "user " + row.id() + " is banned");
    }
    MDC.put("user_id", Long.toString(row.id()));
    request.setAttribute(
        ATTRIBUTE,
        new CurrentUser(row.id(), telegramUser.languageCode(), row.premium(), row.botBlocked()));
    return true;
  }

  /**
   * GET /api/events?token=…: the user a single-use token stands for (EventSource sends no headers).
   */
  private boolean signInByToken(HttpServletRequest request, String token) {
    String client = request.getRemoteAddr();
    if (tokenMisses.exhausted(client)) { // a guesser: refused without a lookup
      throw new LimitExceeded(
          ErrorCode.RATE_LIMIT_EXCEEDED, tokenMisses.allowed(), tokenMisses.window().toSeconds());
    }
    Optional<Long> redeemed = tokens.redeem(token);
    if (redeemed.isEmpty()) {
      tokenMisses.count(client);
      throw new AppError(
          ErrorCode.INVALID_INIT_DATA, "the event token is unknown, used or expired");
    }
    long userId = redeemed.get();
    Users.Row row =
        users
            .find(userId)
            .orElseThrow(() -> new AppError(ErrorCode.INVALID_INIT_DATA, "no user " + userId));
    budget.spend(userId);
    if (row.banned()) {
      throw new AppError(ErrorCode.USER_BANNED, "user " + row.id() + " is banned");
    }
    request.setAttribute(UserLocale.ATTRIBUTE, row.languageCode());
    MDC.put("user_id", Long.toString(row.id()));
    request.setAttribute(
        ATTRIBUTE, new CurrentUser(row.id(), row.languageCode(), row.premium(), row.botBlocked()));
    return true;
  }

  @Override
  public void afterCompletion(
      HttpServletRequest request, HttpServletResponse response, Object handler, Exception ex) {
    MDC.remove("user_id");
  }

  @Override
  public boolean supportsParameter(MethodParameter parameter) {
    return parameter.getParameterType() == CurrentUser.class;
  }

  @Override
  public Object resolveArgument(
      MethodParameter parameter,
      ModelAndViewContainer mavContainer,
      NativeWebRequest webRequest,
      WebDataBinderFactory binderFactory) {
    Object user = webRequest.getAttribute(ATTRIBUTE, NativeWebRequest.SCOPE_REQUEST);
    if (user == null) {
      throw new AppError(ErrorCode.INVALID_INIT_DATA, "not authenticated");
    }
    return user;
  }
}
