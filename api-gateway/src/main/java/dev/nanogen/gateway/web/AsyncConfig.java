package dev.nanogen.gateway.web;

import java.util.concurrent.Executors;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.task.support.TaskExecutorAdapter;
import org.springframework.web.servlet.config.annotation.AsyncSupportConfigurer;
import org.springframework.web.servlet.config.annotation.WebMvcConfigurer;

/**
 * Asynchronous answers (the downloads of /files; event streams write from the threads that publish)
 * run each on a virtual thread of its own: a reader that takes minutes holds no thread of a shared
 * pool, so slow readers cannot stall anyone else's download. No overall time-out: a download that
 * is still moving is never cut; one that stops moving ends after the connector's idle time-out
 * ({@code server.tomcat.connection-timeout}).
 */
@Configuration(proxyBeanMethods = false)
class AsyncConfig implements WebMvcConfigurer {
  @Override
  public void configureAsyncSupport(AsyncSupportConfigurer configurer) {
    configurer.setTaskExecutor(
        new TaskExecutorAdapter(
            Executors.newThreadPerTaskExecutor(Thread.ofVirtual().name("async-", 0).factory())));
    configurer.setDefaultTimeout(0); // none: see above
  }
}
