/*
 * The ISORequestListener a Q2 QServer runs for issuers. It decodes each frame
 * and answers what needs no store at once (format errors 30 + DE44,
 * unsupported 12, network management 0810); card messages go to the
 * processor's CardMessageHandler, and this thread returns without waiting,
 * so one connection may have many messages in flight. The answer is sent
 * from whichever thread completes it (jPOS channels serialize sends).
 */
package org.accrue.iso8583;

import org.jpos.core.Configurable;
import org.jpos.core.Configuration;
import org.jpos.iso.ISOMsg;
import org.jpos.iso.ISORequestListener;
import org.jpos.iso.ISOSource;
import org.jpos.util.NameRegistrar;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

public final class AcquiringListener implements ISORequestListener, Configurable {
    private static final Logger log = LoggerFactory.getLogger(AcquiringListener.class);
    static final String DEFAULT_HANDLER_NAME = "accrue.handler";

    private String handlerName = DEFAULT_HANDLER_NAME;

    @Override
    public void setConfiguration(Configuration cfg) {
        handlerName = cfg.get("handler", DEFAULT_HANDLER_NAME);
    }

    @Override
    public boolean process(ISOSource source, ISOMsg request) {
        CardMessageHandler handler = NameRegistrar.getIfExists(handlerName);
        Decoded decoded = IsoCodec.decode(request);
        String mti = request.getString(0);
        switch (decoded) {
            case Decoded.Card card -> {
                if (handler == null) {
                    answer(source, request, Acknowledgement.of(ResponseCode.NOT_RECORDED_STORE_UNAVAILABLE));
                    return true;
                }
                try {
                    handler.onCardMessage(card.message(), new Answers.ToSource(source, request));
                } catch (RuntimeException e) {
                    log.warn("handler failed on a {} message: {}", mti, e.getClass().getSimpleName());
                    answer(source, request, Acknowledgement.of(ResponseCode.NOT_RECORDED_STORE_UNAVAILABLE));
                }
            }
            case Decoded.Network n -> answerAndReport(handler, source, request, Acknowledgement.RECORDED);
            case Decoded.Unsupported u ->
                    answerAndReport(handler, source, request, Acknowledgement.of(ResponseCode.UNSUPPORTED_MESSAGE_TYPE));
            case Decoded.FormatError f -> {
                log.debug("format error in a {} message: {}", mti, f.reason());
                answerAndReport(handler, source, request, new Acknowledgement(ResponseCode.FORMAT_ERROR, f.field()));
            }
        }
        return true;
    }

    private static void answerAndReport(CardMessageHandler handler, ISOSource source, ISOMsg request, Acknowledgement ack) {
        if (handler != null) {
            handler.onAnsweredByListener(request.getString(0), ack.code());
        }
        answer(source, request, ack);
    }

    static void answer(ISOSource source, ISOMsg request, Acknowledgement ack) {
        try {
            if (source.isConnected()) {
                source.send(IsoCodec.response(request, ack));
            }
        } catch (Exception e) {
            // The issuer hung up; it will resend, and the resend is a duplicate or a first.
            log.debug("answer not sent: {}", e.getClass().getSimpleName());
        }
    }
}
