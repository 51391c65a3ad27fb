import Foundation
import NIOCore
import NIOHTTP1
import NIOHTTPTypes
import NIOHTTPTypesHTTP1

/// Closes a connection that takes too long to send a request: its head must arrive within the header
/// timeout of the connection opening or of the last response (so an idle kept-alive connection is
/// closed too), and its body within the body timeout of the head. Hummingbird's own idle timeout
/// restarts on every byte read, which a client sending one header line every few seconds defeats.
final class RequestDeadlines: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart
    typealias OutboundIn = HTTPResponsePart
    typealias OutboundOut = HTTPResponsePart

    private let headerTimeout: TimeAmount
    private let bodyTimeout: TimeAmount
    private var deadline: Scheduled<Void>?
    /// Told of a request the HTTP parser refused (answered 400 by Hummingbird, never routed), with the
    /// client's address, so that the request log has it too.
    private let onMalformed: @Sendable (_ client: String?, _ error: String) -> Void

    init(limits: ServerLimits, onMalformed: @escaping @Sendable (String?, String) -> Void = { _, _ in }) {
        headerTimeout = Self.amount(limits.headerTimeout)
        bodyTimeout = Self.amount(limits.bodyTimeout)
        self.onMalformed = onMalformed
    }

    static func amount(_ duration: Duration) -> TimeAmount {
        let (seconds, attoseconds) = duration.components
        return .nanoseconds(seconds * 1_000_000_000 + attoseconds / 1_000_000_000)
    }

    func handlerAdded(context: ChannelHandlerContext) {
        if context.channel.isActive { arm(context, headerTimeout) }
        // An HTTP/1.0 request's version is lost once its head is converted to HTTP types: the closer that
        // needs it sits before that conversion.
        do {
            let codec = try context.pipeline.syncOperations.handler(type: HTTP1ToHTTPServerCodec.self)
            try context.pipeline.syncOperations.addHandler(CloseWithoutKeepAlive(), position: .before(codec))
        } catch {
            FileHandle.standardError.write(Data("outcomes serve: no HTTP/1.0 closer: \(error)\n".utf8))
        }
    }

    func channelActive(context: ChannelHandlerContext) {
        arm(context, headerTimeout)
        context.fireChannelActive()
    }

    func channelInactive(context: ChannelHandlerContext) {
        disarm()
        context.fireChannelInactive()
    }

    func handlerRemoved(context: ChannelHandlerContext) { disarm() }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        if "\(type(of: error))" == "HTTPParserError" {
            onMalformed(context.channel.remoteAddress?.ipAddress, "\(error)")
        }
        context.fireErrorCaught(error)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head: arm(context, bodyTimeout)
        case .body: break
        case .end: disarm()        // the request is in: the server's work is not timed here
        }
        context.fireChannelRead(data)
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        if case .end = unwrapOutboundIn(data) { arm(context, headerTimeout) }   // waiting for the next request
        context.write(data, promise: promise)
    }

    private func arm(_ context: ChannelHandlerContext, _ timeout: TimeAmount) {
        disarm()
        let channel = context.channel
        deadline = context.eventLoop.scheduleTask(in: timeout) { channel.close(promise: nil) }
    }

    private func disarm() {
        deadline?.cancel()
        deadline = nil
    }
}

/// Closes the connection after the response to a request that did not ask to keep it open (HTTP/1.0
/// without `Connection: keep-alive`): such a client reads the response until the connection closes.
final class CloseWithoutKeepAlive: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias InboundOut = HTTPServerRequestPart
    typealias OutboundIn = HTTPServerResponsePart
    typealias OutboundOut = HTTPServerResponsePart

    private var keepAlive = true

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        if case let .head(head) = unwrapInboundIn(data) { keepAlive = head.isKeepAlive }
        context.fireChannelRead(data)
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        guard case .end = unwrapOutboundIn(data), !keepAlive else {
            context.write(data, promise: promise)
            return
        }
        let channel = context.channel
        context.writeAndFlush(data).whenComplete { result in
            promise?.completeWith(result)
            channel.close(promise: nil)
        }
    }
}
