using MambaNano.Interop;

namespace MambaNano
{
    /// <summary>
    /// Keyword decisions on live audio: the posteriors of the last <c>smoothing</c> scored
    /// windows are averaged per class; a keyword class (not one whose name starts with '_', such
    /// as _silence_ and _unknown_) whose average reaches the threshold is reported, then nothing
    /// more for the refractory time (one utterance is scored by several overlapping windows).
    /// No allocation after construction.
    /// </summary>
    public sealed class KwsDetector
    {
        private readonly PosteriorAverage _history;
        private int _thresholdQ15;
        private readonly int _refractoryMs;
        private readonly bool[] _isKeyword = new bool[ModelCodes.MaxClasses];
        private long _lastDetectionMs;

        /// <param name="smoothing">windows averaged, >= 1</param>
        /// <param name="thresholdPermille">detection threshold on the averaged probability, 1..1000</param>
        /// <param name="refractoryMs">quiet time after a detection</param>
        public KwsDetector(int smoothing, int thresholdPermille, int refractoryMs)
        {
            if (smoothing < 1 || thresholdPermille < 1 || thresholdPermille > 1000 || refractoryMs < 0)
            {
                throw new System.ArgumentException("smoothing >= 1, threshold in 1..1000 permille, refractory >= 0");
            }
            _history = new PosteriorAverage(smoothing);
            ThresholdPermille = thresholdPermille;
            _refractoryMs = refractoryMs;
        }

        /// <summary>The detection threshold on the averaged probability, 1..1000 permille (the
        /// operating point; tools sweep it to trace detection rate against false alarms).</summary>
        public int ThresholdPermille
        {
            get { return (_thresholdQ15 * 1000 + 16384) >> 15; }
            set
            {
                if (value < 1 || value > 1000)
                {
                    throw new System.ArgumentException("threshold in 1..1000 permille");
                }
                _thresholdQ15 = (value * 32768 + 500) / 1000;
            }
        }

        /// <summary>Class of the last detection.</summary>
        public int DetectedClass;

        /// <summary>Averaged Q15 probability of the last detection.</summary>
        public int DetectedQ15;

        /// <summary>Set the class list (names from the model) and forget the history.</summary>
        public void Begin(string[] classNames)
        {
            _history.Begin(classNames.Length);
            for (int c = 0; c < classNames.Length; c++)
            {
                _isKeyword[c] = classNames[c].Length > 0 && classNames[c][0] != '_';
            }
            Clear();
        }

        public void Clear()
        {
            _history.Clear();
            _lastDetectionMs = long.MinValue / 2;
        }

        /// <summary>Add one scored window (Q15 probabilities). True when a keyword is detected now.</summary>
        public bool Update(long tMs, int[] probsQ15)
        {
            _history.Add(probsQ15);
            if (tMs - _lastDetectionMs < _refractoryMs)
            {
                return false;
            }
            int best = -1;
            int bestMean = 0;
            for (int c = 0; c < _history.Classes; c++)
            {
                if (!_isKeyword[c])
                {
                    continue;
                }
                int mean = _history.Sum(c) / _history.Windows; // windows not yet seen count as 0: no early triggers
                if (mean > bestMean)
                {
                    bestMean = mean;
                    best = c;
                }
            }
            if (best < 0 || bestMean < _thresholdQ15)
            {
                return false;
            }
            DetectedClass = best;
            DetectedQ15 = bestMean;
            _lastDetectionMs = tMs;
            return true;
        }
    }
}
