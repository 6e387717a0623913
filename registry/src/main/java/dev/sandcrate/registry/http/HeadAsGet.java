package dev.sandcrate.registry.http;

import io.javalin.http.Context;
import jakarta.servlet.DispatcherType;
import jakarta.servlet.Filter;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletRequestWrapper;
import org.eclipse.jetty.servlet.FilterHolder;
import org.eclipse.jetty.servlet.ServletContextHandler;

import java.io.IOException;
import java.util.EnumSet;

/**
 * Answers HEAD exactly like GET without the body (RFC 9110 §9.3.2): the request reaches the GET route as a GET, so
 * status, ETag, Last-Modified and Content-Length are the GET's; Jetty, which still sees the HEAD, sends no body.
 * (Javalin on its own answers HEAD with an empty 200 for any path a GET route matches, unknown crates included.)
 */
public final class HeadAsGet implements Filter {
    private static final String ATTRIBUTE = HeadAsGet.class.getName();

    private HeadAsGet() {
    }

    public static void install(ServletContextHandler handler) {
        handler.addFilter(new FilterHolder(new HeadAsGet()), "/*", EnumSet.of(DispatcherType.REQUEST));
    }

    /** Whether the client asked with HEAD (routes then skip side effects such as counting a download). */
    public static boolean isHead(Context ctx) {
        return Boolean.TRUE.equals(ctx.req().getAttribute(ATTRIBUTE));
    }

    @Override
    public void doFilter(ServletRequest request, ServletResponse response, FilterChain chain) throws IOException, ServletException {
        if (request instanceof HttpServletRequest http && "HEAD".equals(http.getMethod())) {
            http.setAttribute(ATTRIBUTE, true);
            request = new HttpServletRequestWrapper(http) {
                @Override
                public String getMethod() {
                    return "GET";
                }
            };
        }
        chain.doFilter(request, response);
    }
}
