package org.syncserver.http;

import com.fasterxml.jackson.core.io.JsonStringEncoder;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpStatus;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.handler.ErrorHandler;
import org.eclipse.jetty.util.Callback;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * The errors Jetty answers by itself, before a route runs (a bad header character, a URI or headers too large),
 * in the server's one error format instead of an HTML page: {@code {"code": 431, "message": "…"}}.
 */
final class JsonErrorHandler extends ErrorHandler {

    @Override
    protected void generateResponse(Request request, Response response, int code, String message, Throwable cause,
                                    Callback callback) {
        String text = code >= 500 || message == null || message.isBlank() ? HttpStatus.getMessage(code) : message;
        String body = "{\"code\":" + code + ",\"message\":\""
                + new String(JsonStringEncoder.getInstance().quoteAsString(LogText.printable(text))) + "\"}";
        response.getHeaders().put(HttpHeader.CONTENT_TYPE, "application/json");
        response.write(true, ByteBuffer.wrap(body.getBytes(StandardCharsets.UTF_8)), callback);
    }
}
