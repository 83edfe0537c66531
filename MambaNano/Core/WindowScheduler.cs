namespace MambaNano
{
    /// <summary>
    /// Sliding windows from staggered streams. A model slot steps <c>streams</c> INT8 states on
    /// every frame; stream s is reset every <c>window</c> frames, offset by s * window / streams.
    /// After frame k (k = 1, 2, ...) with k a multiple of the stride: the stream whose window ends
    /// now is read (once k >= window: it has seen exactly the last <c>window</c> frames) and reset.
    /// So a full window is scored every stride frames, at the cost of one step per stream.
    /// </summary>
    public sealed class WindowScheduler
    {
        private readonly int _window;
        private readonly int _streams;
        private readonly int _stride;
        private long _frames;

        /// <param name="window">frames per window, a multiple of <paramref name="streams"/></param>
        /// <param name="streams">1..ModelCodes.EngineMaxStreams</param>
        public WindowScheduler(int window, int streams)
        {
            if (streams < 1 || window < streams || window % streams != 0)
            {
                throw new System.ArgumentException("window must be a positive multiple of streams");
            }
            _window = window;
            _streams = streams;
            _stride = window / streams;
        }

        public int Window => _window;

        public int Streams => _streams;

        /// <summary>Frames between two scored windows.</summary>
        public int Stride => _stride;

        /// <summary>Frames since <see cref="Restart"/>.</summary>
        public long Frames => _frames;

        /// <summary>Start over (every stream was just reset).</summary>
        public void Restart()
        {
            _frames = 0;
        }

        /// <summary>Count one frame. Returns the stream to reset now (-1: none); and
        /// <paramref name="read"/> is true when that stream holds a full window to score first.</summary>
        public int Advance(out bool read)
        {
            _frames++;
            read = false;
            if (_frames % _stride != 0)
            {
                return -1;
            }
            read = _frames >= _window;
            return (int)(_frames / _stride % _streams);
        }
    }
}
