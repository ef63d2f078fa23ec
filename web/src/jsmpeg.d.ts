declare module '@cycjimmy/jsmpeg-player' {
  interface JSMpegPlayer {
    destroy(): void;
    play(): void;
    pause(): void;
  }
  const JSMpeg: {
    Player: new (url: string, options: Record<string, unknown>) => JSMpegPlayer;
  };
  export default JSMpeg;
}
