package dev.nanogen.gateway.auth;

import dev.nanogen.gateway.error.AppError;
import dev.nanogen.gateway.error.ErrorCode;
import dev.nanogen.gateway.limits.RequestBudget;
import dev.nanogen.gateway.web.UserLocale;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.slf4j.MDC;
import org.springframework.core.MethodParameter;
import org.springframework.stereotype.Component;
import org.springframework.web.cors.CorsUtils;
import org.springframework.web.bind.support.WebDataBinderFactory;
import org.springframework.web.context.request.NativeWebRequest;
import org.springframework.web.method.support.HandlerMethodArgumentResolver;
import org.springframework.web.method.support.ModelAndViewContainer;
import org.springframework.web.servlet.HandlerInterceptor;

/**
 * Authenticates {@code Authorization: tma <initData>} on every user endpoint, spends one call of the
 * user's request budget, signs the user in, refuses banned users, and hands controllers the {@link
 * CurrentUser}.
 */
@Component
class TmaAuthentication implements HandlerInterceptor, HandlerMethodArgumentResolver {
  private static final String SCHEME = "tma ";
  private static final String ATTRIBUTE = CurrentUser.class.getName();

  private final InitDataValidator validator;
  private final Users users;
  private final RequestBudget budget;

  TmaAuthentication(InitDataValidator validator, Users users, RequestBudget budget) {
    this.validator = validator;
    this.users = users;
    this.budget = budget;
  }

  @Override
  public boolean preHandle(
      HttpServletRequest request, HttpServletResponse response, Object handler) {
    if (CorsUtils.isPreFlightRequest(request)) {
      return true; // a browser asking before the call; the CORS configuration answers it
    }
    String header = request.getHeader("Authorization");
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
        ATTRIBUTE, new CurrentUser(row.id(), telegramUser.languageCode(), row.premium()));
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
