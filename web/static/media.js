// The page's media transports with the relay: a receive-only subscription
// whose transceivers form slots, and a send-only return feed of the
// classroom's camera and microphone.
//
// The relay is ICE-lite and its SDP answer lists all its candidates. The
// page waits until its own ICE gathering is complete and sends the offer
// with its candidates in it, so nothing is trickled. No STUN or TURN
// server is configured, because the relay is reached on the addresses it
// announces.

const PEER_CONNECTION_CONFIG = {
  iceServers: [],
  bundlePolicy: 'max-bundle',
  rtcpMuxPolicy: 'require',
};

// With host candidates only, gathering ends within milliseconds; past
// this the offer goes with what was gathered.
export const ICE_GATHERING_TIMEOUT_MS = 5000;

// The return feed's capture size: enough for the lead to see the class,
// small enough for a rural uplink.
const RETURN_FEED_VIDEO = { width: { ideal: 640 }, height: { ideal: 360 }, frameRate: { ideal: 15 } };

export function waitIceGatheringComplete(pc, timeoutMs = ICE_GATHERING_TIMEOUT_MS) {
  if (pc.iceGatheringState === 'complete') {
    return Promise.resolve();
  }
  return new Promise((resolve) => {
    const timer = setTimeout(finish, timeoutMs);
    function finish() {
      clearTimeout(timer);
      pc.removeEventListener('icegatheringstatechange', check);
      resolve();
    }
    function check() {
      if (pc.iceGatheringState === 'complete') {
        finish();
      }
    }
    pc.addEventListener('icegatheringstatechange', check);
  });
}

// Puts the relay's codecs first: VP8 (and its RTX) for video, Opus for
// audio. The relay forwards only those.
function preferRelayCodecs(transceiver, kind, capabilitiesOf) {
  if (typeof transceiver.setCodecPreferences !== 'function') {
    return;
  }
  const capabilities = capabilitiesOf(kind);
  if (!capabilities) {
    return;
  }
  const preferred = kind === 'video' ? ['video/vp8', 'video/rtx'] : ['audio/opus'];
  const codecs = capabilities.codecs.filter((codec) => preferred.includes(codec.mimeType.toLowerCase()));
  if (codecs.length > 0) {
    try {
      transceiver.setCodecPreferences(codecs);
    } catch (error) {
      console.warn('shuangshi: keeping the browser codec order', error);
    }
  }
}

// Creates the offer, waits for ICE gathering and returns the local SDP.
async function offerWithCandidates(pc) {
  const offer = await pc.createOffer();
  await pc.setLocalDescription(offer);
  await waitIceGatheringComplete(pc);
  return pc.localDescription.sdp;
}

// Per-slot receive figures from getStats(): framesDecoded and
// packetsReceived of each slot's video, and audio samples received.
async function slotStats(pc, videoMids, audioMids) {
  const figures = videoMids.map(() => ({ framesDecoded: 0, videoPacketsReceived: 0, audioSamplesReceived: 0 }));
  const report = await pc.getStats();
  report.forEach((entry) => {
    if (entry.type !== 'inbound-rtp') {
      return;
    }
    const kind = entry.kind || entry.mediaType;
    if (kind === 'video') {
      const slot = videoMids.indexOf(entry.mid);
      if (slot >= 0) {
        figures[slot].framesDecoded = entry.framesDecoded || 0;
        figures[slot].videoPacketsReceived = entry.packetsReceived || 0;
      }
    } else if (kind === 'audio') {
      const slot = audioMids.indexOf(entry.mid);
      if (slot >= 0) {
        figures[slot].audioSamplesReceived = entry.totalSamplesReceived || 0;
      }
    }
  });
  return figures;
}

// A receive-only transport with nSlots slots: transceivers in the order
// audio, video, audio, video..., so the i-th audio and the i-th video
// m-line are slot i (protocol/README.md, subscribe).
export class Subscription {
  constructor(nSlots, onStateChange) {
    this.pc = new RTCPeerConnection(PEER_CONNECTION_CONFIG);
    this.audio = [];
    this.video = [];
    this.streams = [];
    for (let slot = 0; slot < nSlots; slot++) {
      const audio = this.pc.addTransceiver('audio', { direction: 'recvonly' });
      const video = this.pc.addTransceiver('video', { direction: 'recvonly' });
      const capabilities = (kind) => RTCRtpReceiver.getCapabilities(kind);
      preferRelayCodecs(audio, 'audio', capabilities);
      preferRelayCodecs(video, 'video', capabilities);
      this.audio.push(audio);
      this.video.push(video);
      this.streams.push(new MediaStream([audio.receiver.track, video.receiver.track]));
    }
    this.pc.addEventListener('connectionstatechange', () => onStateChange(this.pc.connectionState));
  }

  // Sends the offer through sendOffer(sdp), which resolves to the
  // subscribe result, and applies the SDP answer in it. Returns the result.
  async start(sendOffer) {
    const sdp = await offerWithCandidates(this.pc);
    const result = await sendOffer(sdp);
    await this.pc.setRemoteDescription({ type: 'answer', sdp: result.sdp });
    return result;
  }

  stream(slot) {
    return this.streams[slot];
  }

  stats() {
    return slotStats(this.pc,
      this.video.map((transceiver) => transceiver.mid),
      this.audio.map((transceiver) => transceiver.mid));
  }

  close() {
    this.pc.close();
  }
}

// Asks for the camera and microphone. Rejects with the browser's
// DOMException (NotAllowedError, NotFoundError, ...) when there are none.
export function openCamera() {
  return navigator.mediaDevices.getUserMedia({ audio: true, video: RETURN_FEED_VIDEO });
}

// A send-only transport carrying the classroom's camera and microphone.
export class ReturnFeed {
  constructor(stream, onStateChange) {
    this.stream = stream;
    this.pc = new RTCPeerConnection(PEER_CONNECTION_CONFIG);
    const capabilities = (kind) => RTCRtpSender.getCapabilities(kind);
    for (const kind of ['audio', 'video']) {
      const track = stream.getTracks().find((candidate) => candidate.kind === kind);
      if (track) {
        const transceiver = this.pc.addTransceiver(track, { direction: 'sendonly', streams: [stream] });
        preferRelayCodecs(transceiver, kind, capabilities);
      }
    }
    this.pc.addEventListener('connectionstatechange', () => onStateChange(this.pc.connectionState));
  }

  async start(sendOffer) {
    const sdp = await offerWithCandidates(this.pc);
    const result = await sendOffer(sdp);
    await this.pc.setRemoteDescription({ type: 'answer', sdp: result.sdp });
    return result;
  }

  async stats() {
    let framesEncoded = 0;
    const report = await this.pc.getStats();
    report.forEach((entry) => {
      if (entry.type === 'outbound-rtp' && (entry.kind || entry.mediaType) === 'video') {
        framesEncoded += entry.framesEncoded || 0;
      }
    });
    return { framesEncoded, connectionState: this.pc.connectionState };
  }

  // Closes the transport; the camera stays open for the next attempt.
  close() {
    this.pc.close();
  }
}
