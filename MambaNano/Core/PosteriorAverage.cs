using MambaNano.Interop;

namespace MambaNano
{
    /// <summary>
    /// The class posteriors of the last <see cref="Windows"/> scored windows, a ring of Q15 rows,
    /// summed per class: the smoothing behind both tasks' decisions (KWS detections, HAR reports).
    /// No allocation after construction.
    /// </summary>
    public sealed class PosteriorAverage
    {
        private readonly int _windows;
        private readonly int[] _rows; // (windows, MaxClasses) Q15
        private int _classes;
        private int _filled;
        private int _next;

        /// <param name="windows">rows kept, >= 1</param>
        public PosteriorAverage(int windows)
        {
            if (windows < 1)
            {
                throw new System.ArgumentException("windows averaged >= 1");
            }
            _windows = windows;
            _rows = new int[windows * ModelCodes.MaxClasses];
        }

        /// <summary>Rows kept: the most windows a sum covers.</summary>
        public int Windows => _windows;

        /// <summary>Rows added since <see cref="Begin"/> or <see cref="Clear"/>, at most
        /// <see cref="Windows"/>.</summary>
        public int Filled => _filled;

        /// <summary>Classes per row (0 before <see cref="Begin"/>).</summary>
        public int Classes => _classes;

        /// <summary>Start over for a model of <c>classes</c> (0..MaxClasses) classes: every row
        /// forgotten.</summary>
        public void Begin(int classes)
        {
            if (classes < 0 || classes > ModelCodes.MaxClasses)
            {
                throw new System.ArgumentException("classes in 0..MaxClasses");
            }
            _classes = classes;
            Clear();
        }

        /// <summary>Forget every row (the classes stay).</summary>
        public void Clear()
        {
            _filled = 0;
            _next = 0;
        }

        /// <summary>Add one window's Q15 probabilities (the first <c>classes</c> of the row),
        /// replacing the oldest row once <see cref="Windows"/> are kept.</summary>
        public void Add(int[] probsQ15)
        {
            int row = _next * ModelCodes.MaxClasses;
            for (int c = 0; c < _classes; c++)
            {
                _rows[row + c] = probsQ15[c];
            }
            _next = (_next + 1) % _windows;
            if (_filled < _windows)
            {
                _filled++;
            }
        }

        /// <summary>Sum of class <c>c</c>'s Q15 probability over the rows kept (0 before any).</summary>
        public int Sum(int c)
        {
            int sum = 0;
            for (int r = 0; r < _filled; r++)
            {
                sum += _rows[r * ModelCodes.MaxClasses + c];
            }
            return sum;
        }

        /// <summary>The class with the largest sum (the lowest index on a tie); -1 before any row.</summary>
        public int Best()
        {
            if (_filled == 0 || _classes == 0)
            {
                return -1;
            }
            int best = 0;
            int bestSum = Sum(0);
            for (int c = 1; c < _classes; c++)
            {
                int sum = Sum(c);
                if (sum > bestSum)
                {
                    bestSum = sum;
                    best = c;
                }
            }
            return best;
        }
    }
}
