package dev.nanogen.gateway.web;

import dev.nanogen.gateway.error.AppError;
import dev.nanogen.gateway.error.ErrorCode;
import dev.nanogen.gateway.error.ProblemHandler;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ReadListener;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletInputStream;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletRequestWrapper;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.stereotype.Component;
import org.springframework.web.filter.OncePerRequestFilter;

/**
 * Request bodies are at most 64 KiB: a declared larger Content-Length is refused at once, and a
 * chunked body is cut off as soon as it passes the limit. Either way the answer is 413
 * PAYLOAD_TOO_LARGE. Form and multipart bodies, which the servlet container would parse itself
 * before any handler could refuse them, are answered 415 before a byte of them is read, except a
 * multipart POST to {@value #UPLOADS}: its cap is the multipart configuration's request size (the
 * upload's own cap and room for the part headers), which the container also holds a chunked body to
 * while it parses.
 */
@Component
@Order(Ordered.HIGHEST_PRECEDENCE + 1)
class BodySizeLimit extends OncePerRequestFilter {
  static final long MAX_BYTES = 64 * 1024;
  static final String UPLOADS = "/api/uploads";
  private final ProblemHandler problems;
  private final long uploadBytes;

  BodySizeLimit(ProblemHandler problems, jakarta.servlet.MultipartConfigElement multipart) {
    this.problems = problems;
    this.uploadBytes = multipart.getMaxRequestSize();
  }

  private static AppError tooLarge() {
    return new AppError(ErrorCode.PAYLOAD_TOO_LARGE, "the request body exceeds 64 KiB");
  }

  @Override
  protected void doFilterInternal(
      HttpServletRequest request, HttpServletResponse response, FilterChain chain)
      throws ServletException, IOException {
    if (isUpload(request)) {
      if (request.getContentLengthLong() > uploadBytes) {
        problems.write(
            new AppError(
                ErrorCode.PAYLOAD_TOO_LARGE, "the upload exceeds " + uploadBytes + " bytes"),
            request,
            response);
        return;
      }
      chain.doFilter(request, response);
      return;
    }
    if (request.getContentLengthLong() > MAX_BYTES) {
      problems.write(tooLarge(), request, response);
      return;
    }
    if (parsedByTheContainer(request.getContentType())) {
      problems.write(
          new AppError(ErrorCode.UNSUPPORTED_MEDIA_TYPE, "send application/json"),
          request,
          response);
      return;
    }
    chain.doFilter(new Limited(request), response);
  }

  private static boolean isUpload(HttpServletRequest request) {
    String type = request.getContentType();
    return "POST".equals(request.getMethod())
        && UPLOADS.equals(request.getRequestURI())
        && type != null
        && type.strip().toLowerCase(java.util.Locale.ROOT).startsWith("multipart/form-data");
  }

  private static boolean parsedByTheContainer(String contentType) {
    if (contentType == null) {
      return false;
    }
    String type = contentType.strip().toLowerCase(java.util.Locale.ROOT);
    return type.startsWith("application/x-www-form-urlencoded") || type.startsWith("multipart/");
  }

  private static final class Limited extends HttpServletRequestWrapper {
    private ServletInputStream stream;

    Limited(HttpServletRequest request) {
      super(request);
    }

    @Override
    public ServletInputStream getInputStream() throws IOException {
      if (stream == null) {
        stream = new Counting(super.getInputStream());
      }
      return stream;
    }
  }

  private static final class Counting extends ServletInputStream {
    private final ServletInputStream in;
    private long count;

    Counting(ServletInputStream in) {
      this.in = in;
    }

    @Override
    public int read() throws IOException {
      int b = in.read();
      if (b >= 0 && ++count > MAX_BYTES) {
        throw tooLarge();
      }
      return b;
    }

    @Override
    public int read(byte[] buffer, int offset, int length) throws IOException {
      int n = in.read(buffer, offset, length);
      if (n > 0 && (count += n) > MAX_BYTES) {
        throw tooLarge();
      }
      return n;
    }

    @Override
    public boolean isFinished() {
      return in.isFinished();
    }

    @Override
    public boolean isReady() {
      return in.isReady();
    }

    @Override
    public void setReadListener(ReadListener listener) {
      in.setReadListener(listener);
    }
  }
}
