package dev.nanogen.notifier;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.context.properties.ConfigurationPropertiesScan;

/** The notifier: tells users on Telegram how their generations ended. */
@SpringBootApplication
@ConfigurationPropertiesScan
public class NotifierApplication {
  public static void main(String[] args) {
    SpringApplication.run(NotifierApplication.class, args);
  }
}
