"""hta - Python API of HTA, the hybrid ternary accelerator.

Devices, models and runs through libhta (the C driver, libhta.so, loaded with
cffi; no compiler needed), with numpy arrays in and out:

    import numpy as np
    import hta

    with hta.open('sim:cfg=small') as dev:       # or 'cpu', 'xrt:0', 'usb'
        net = dev.load('model.hta')
        y = net.run(x)                           # float in, float out (the model's
                                                 # own scales and zero points)
        q = net.run_raw(xq)                      # int8 in, int8 out
        dev.stats()['cycles']                    # the last run's counters

Batches are the leading axis of x; net.submit(x) runs without waiting (a
Future). Errors raise hta.Error with the library's code (e.g.
'HTA_ERROR_TIMEOUT') and message. Subpackages:

    hta.torch   a PyTorch model to a hybrid filter bank network (INT8 and
                ternary filters), fine-tuned and exported for `hta import`
                (needs python3-torch when imported).

The library is found as $HTA_LIBRARY, next to the package in a source tree
(build/libhta.so), in the PREFIX/lib that make install put the package
beside, or by the system loader (libhta.so.0).
"""
import os as _os
from typing import Dict, List, Optional

__version__ = '0.1.0'
__all__ = ['Error', 'Device', 'Net', 'open', 'version', 'schemes', 'dataset', 'evaluate']

_ffi = _lib = None


def _load():
    """cffi and libhta, once (ABI mode: the declarations come from _cdef.py,
    generated from the C headers)."""
    global _ffi, _lib
    if _lib is not None:
        return _ffi, _lib
    try:
        import cffi
    except ImportError as e:
        raise ImportError('hta needs python3-cffi (Debian package)') from e
    from . import _cdef
    ffi = cffi.FFI()
    ffi.cdef(_cdef.CDEF)
    here = _os.path.dirname(_os.path.abspath(__file__))
    tried = []
    try:
        from ._libdir import LIBDIR  # written by make install
    except ImportError:
        LIBDIR = None
    for name in (_os.environ.get('HTA_LIBRARY'),
                 _os.path.join(here, '..', '..', 'build', 'libhta.so'),
                 LIBDIR and _os.path.join(LIBDIR, 'libhta.so.0'),
                 'libhta.so.0'):
        if not name or (_os.sep in name and not _os.path.exists(name)):
            continue
        try:
            lib = ffi.dlopen(name)
            break
        except OSError as e:
            tried.append('%s (%s)' % (name, e))
    else:
        raise ImportError('cannot load libhta: %s; build it (make) or install it (make '
                          'install), or set HTA_LIBRARY' % ('; '.join(tried) or 'not found'))
    _ffi, _lib = ffi, lib
    return ffi, lib


def _s(p):
    return '' if p == _ffi.NULL else _ffi.string(p).decode('utf-8', 'replace')


class Error(Exception):
    """A libhta call failed: code (negative int), name ('HTA_ERROR_...'),
    message (the device's detailed message)."""

    def __init__(self, code, message):
        self.code = code
        self.name = _s(_lib.hta_error_name(code))
        self.message = message
        super().__init__('%s (%s)' % (message or _s(_lib.hta_strerror(code)), self.name))


def version() -> str:
    """libhta's version string."""
    return _s(_load()[1].hta_version())


def schemes() -> List[str]:
    """The device URI schemes this libhta knows, e.g. ['cpu', 'sim', 'xrt', 'usb']."""
    return _s(_load()[1].hta_device_schemes()).split()


def open(uri: str = 'cpu') -> 'Device':
    """Open a device by URI (hta.h): 'cpu', 'sim[:cfg=NAME,...]', 'xrt:N',
    'usb:VID:PID'. Use as a context manager, or close() it."""
    return Device(uri)


class Device:
    """An opened device; load() models onto it."""

    def __init__(self, uri: str):
        ffi, lib = _load()
        p = ffi.new('hta_device **')
        rc = lib.hta_open(uri.encode(), p)
        if rc != 0:
            raise Error(rc, _s(lib.hta_open_error()))
        self._dev, self.uri, self._nets = p[0], uri, []
        self._last = None
        self._pool = None  # the worker of submit(), made on first use

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def __del__(self):
        self.close()

    def close(self) -> None:
        """Close the device and every net loaded on it (idempotent)."""
        if getattr(self, '_pool', None) is not None:
            self._pool.shutdown(wait=True)  # requests in flight finish first
            self._pool = None
        if getattr(self, '_dev', None) is not None:
            for n in self._nets:
                n._close_model()
            _lib.hta_close(self._dev)
            self._dev = None

    def _check(self, rc):
        if rc != 0:
            raise Error(rc, _s(_lib.hta_last_error(self._dev)))

    @property
    def kind(self) -> str:
        """The URI scheme: 'cpu', 'sim', 'xrt' or 'usb'."""
        return _s(_lib.hta_device_kind(self._live()))

    @property
    def has_cycles(self) -> bool:
        """Does this device count cycles (sim, xrt, usb; not cpu)?"""
        return bool(_lib.hta_device_has_cycles(self._live()))

    def _live(self):
        if self._dev is None:
            raise ValueError('the device is closed')
        return self._dev

    def load(self, model: str) -> 'Net':
        """Load a .hta model (a path) onto the device: compiled once, kept."""
        self._live()
        if not _os.path.isfile(model):
            raise FileNotFoundError('model %r: no such file' % (model,))
        err = _ffi.new('char[512]')
        m = _lib.hta_model_load(_os.fsencode(model), err, 512)
        if m == _ffi.NULL:
            raise Error(-7, _s(err))  # HTA_ERROR_FORMAT: not a valid .hta file
        p = _ffi.new('hta_net **')
        rc = _lib.hta_load_model(self._dev, m, p)
        if rc != 0:
            msg = _s(_lib.hta_last_error(self._dev))
            _lib.hta_model_free(m)
            raise Error(rc, msg)
        net = Net(self, p[0], m)
        self._nets.append(net)
        return net

    def stats(self) -> Dict[str, object]:
        """The counters of the last run on this device as a dict (cycles and
        every performance counter of the register map, summed over the
        batch; zeros on cpu), or {} before any run."""
        return dict(self._last) if self._last else {}


class Net:
    """A model loaded on a device. Shapes are NHWC; a batch is a leading axis."""

    def __init__(self, dev, net, model):
        self._dev, self._net, self._model = dev, net, model
        info = _ffi.new('hta_net_info *')
        dev._check(_lib.hta_net_get_info(net, info))
        mi = _ffi.new('hta_model_info *')
        _lib.hta_model_get_info(model, mi)
        self.in_shape = (info.in_h, info.in_w, info.in_c)
        self.out_shape = (info.out_h, info.out_w, info.out_c)
        self.n_layers = info.n_layers
        self.in_scale, self.in_zp = float(mi.in_scale), int(mi.in_zp)
        self.out_scale, self.out_zp = float(mi.out_scale), int(mi.out_zp)
        self.name, self.plan = _s(mi.name), _s(mi.plan)
        self._batch = 0

    def _close_model(self):
        if self._model is not None:
            _lib.hta_model_free(self._model)  # the net is closed with its device
            self._model = None

    def quantize(self, x) -> 'numpy.ndarray':
        """Real inputs to the model's int8: clamp(round(x / in_scale) + in_zp)."""
        import numpy as np
        q = np.round(np.asarray(x, np.float64) / self.in_scale) + self.in_zp
        return np.clip(q, -128, 127).astype(np.int8)

    def dequantize(self, q) -> 'numpy.ndarray':
        """int8 outputs to real values: out_scale * (q - out_zp)."""
        import numpy as np
        return (np.asarray(q, np.float64) - self.out_zp) * self.out_scale

    def run_raw(self, x, timeout_ms: int = 0) -> 'numpy.ndarray':
        """int8 inputs [N, H, W, C] (or one [H, W, C]) -> int8 outputs of the
        same batch shape. Bit-exact across devices."""
        import numpy as np
        x = np.ascontiguousarray(x, np.int8)
        single = x.shape == self.in_shape
        if not single and x.shape[1:] != self.in_shape:
            raise ValueError('input shape %s: the model takes %s (or a batch [N, %d, %d, %d])'
                             % (x.shape, self.in_shape, *self.in_shape))
        xb = x.reshape((-1,) + self.in_shape)
        y = np.empty((len(xb),) + self.out_shape, np.int8)
        st = _ffi.new('hta_stats *')
        rc = _lib.hta_run(self._net, _ffi.cast('const int8_t *', xb.ctypes.data),
                          _ffi.cast('int8_t *', y.ctypes.data), len(xb), timeout_ms, st)
        self._dev._check(rc)
        self._batch = len(xb)
        c = st.counters
        self._dev._last = dict(
            batch=st.batch, has_cycles=bool(st.has_cycles), total_cycles=st.total_cycles,
            sim_cycles=st.sim_cycles, wall_s=st.wall_s,
            layer_cycles=[st.layer_cycles[i] for i in range(st.n_layers)]
            if st.layer_cycles != _ffi.NULL else [],
            **{f: getattr(c, f) for f, _ in _ffi.typeof('hta_counters').fields})
        return y[0] if single else y

    def submit(self, x, timeout_ms: int = 0, raw: bool = False) -> 'concurrent.futures.Future':
        """Start a run without waiting: a Future whose result() is what
        run() (or run_raw() with raw=True) returns. Requests of one device run
        one after another on its worker thread, in submission order; libhta
        releases the GIL while it simulates or waits for the card, so the
        caller's thread keeps working meanwhile. The device may be used and
        closed from any thread (hta.h): close() waits for requests in
        flight, then closes."""
        if self._dev._pool is None:
            from concurrent.futures import ThreadPoolExecutor
            self._dev._live()
            self._dev._pool = ThreadPoolExecutor(max_workers=1,
                                                 thread_name_prefix='hta-' + self._dev.uri)
        return self._dev._pool.submit(self.run_raw if raw else self.run, x, timeout_ms)

    def run(self, x, timeout_ms: int = 0) -> 'numpy.ndarray':
        """Real inputs -> real outputs, through the model's own input and
        output quantization (quantize, run_raw, dequantize)."""
        return self.dequantize(self.run_raw(self.quantize(x), timeout_ms))

    def layer_output(self, layer: int, item: int = 0) -> 'numpy.ndarray':
        """The int8 output of model layer `layer` for batch item `item` of
        the last run, [H, W, C]."""
        import numpy as np
        hwc = _ffi.new('int[3]')
        self._dev._check(_lib.hta_layer_shape(self._net, layer, hwc, hwc + 1, hwc + 2))
        y = np.empty((hwc[0], hwc[1], hwc[2]), np.int8)
        self._dev._check(_lib.hta_layer_output(self._net, item, layer,
                                               _ffi.cast('int8_t *', y.ctypes.data), y.size))
        return y


# ---- datasets and evaluation (as `hta eval`, tools/hta/dataset.c) ----

def dataset(source: str, in_shape, mean=(0.0, 0.0, 0.0), std=(1.0, 1.0, 1.0),
            limit: int = 0):
    """Labelled inputs as `hta eval --dataset` reads them: (x, y, classes)
    with x float [N, H, W, C] (the model's real inputs), y int [N] and the
    class names. source: an image folder with one subfolder per class
    (sorted names are classes 0, 1, ...; PNG/JPEG, resized bilinearly to
    in_shape, gray/RGB converted; needs python3-pil), FILE.npz with x (or
    images, inputs) and y (or labels, targets), or 'X.npy:Y.npy'. Pixels p
    (images, uint8 arrays) become (p / 255 - mean) / std; float arrays are
    taken as they are."""
    import numpy as np
    h, w, c = in_shape
    mean = np.asarray(mean, np.float64)[:c]
    std = np.asarray(std, np.float64)[:c]
    if _os.path.isdir(source):
        from PIL import Image
        classes = sorted(e for e in _os.listdir(source)
                         if not e.startswith('.') and _os.path.isdir(_os.path.join(source, e)))
        xs, ys = [], []
        for k, cls in enumerate(classes):
            folder = _os.path.join(source, cls)
            for f in sorted(e for e in _os.listdir(folder) if not e.startswith('.')):
                if _os.path.splitext(f)[1].lower() not in ('.png', '.jpg', '.jpeg'):
                    continue
                if limit and len(xs) >= limit:
                    break
                im = Image.open(_os.path.join(folder, f)).convert('L' if c == 1 else 'RGB')
                if im.size != (w, h):
                    im = im.resize((w, h), Image.BILINEAR)
                xs.append(np.asarray(im, np.float64).reshape(h, w, c))
                ys.append(k)
        if not xs:
            raise ValueError("%r: no .png or .jpg images in class subfolders" % source)
        return (np.stack(xs) / 255.0 - mean) / std, np.array(ys), classes
    if source.endswith('.npz'):
        z = np.load(source)
        xk = next((k for k in ('x', 'images', 'inputs') if k in z), None)
        yk = next((k for k in ('y', 'labels', 'targets') if k in z), None)
        if xk is None or yk is None:
            raise ValueError('%r: needs arrays x (or images, inputs) and y (or labels, '
                             'targets); it has %s' % (source, ', '.join(z.files)))
        x, y = z[xk], z[yk]
    elif '.npy:' in source:
        xp, yp = source.split('.npy:', 1)
        x, y = np.load(xp + '.npy'), np.load(yp)
    else:
        raise ValueError("unknown dataset %r (an image folder, FILE.npz, or X.npy:Y.npy)"
                         % source)
    if x.ndim == 3 and c == 1:
        x = x[..., None]
    if x.ndim == 4 and x.shape[1:] != (h, w, c) and x.shape[1:] == (c, h, w):
        x = x.transpose(0, 2, 3, 1)
    if x.shape[1:] != (h, w, c):
        raise ValueError('%r: inputs of shape %s, the model takes %s' % (source, x.shape,
                                                                          (h, w, c)))
    y = np.asarray(y).reshape(-1)
    if limit:
        x, y = x[:limit], y[:limit]
    x = (x / 255.0 - mean) / std if x.dtype == np.uint8 else x.astype(np.float64)
    return x, y, [str(k) for k in range(int(y.max()) + 1)]


def evaluate(net: 'Net', x, y, batch: int = 100, jobs: int = 1) -> Dict[str, float]:
    """Top-1 and top-5 of net on real inputs x [N, H, W, C] with labels y,
    as `hta eval` counts them (argmax of the int8 outputs, ties to the lower
    class): {'n', 'top1', 'top5'}. jobs > 1 runs that many devices at once,
    as `hta eval --jobs`: net's own (in the calling thread) and jobs - 1 more
    opened from its URI (hta_uri_expand: cpu and sim are repeated; an xrt:N or
    usb device cannot be), each opened, used and closed by a thread of its
    own (libhta releases the GIL while it runs; a device works from any
    thread, hta.h, but keeping each in one is simplest), each with a
    contiguous slice of x; the results are those of one job."""
    import numpy as np
    if not isinstance(jobs, int) or jobs < 1:
        raise ValueError('jobs %r: a positive integer' % (jobs,))
    n = len(x)
    uris = [net._dev.uri]
    if jobs > 1:
        lst, err = _ffi.new('char ***'), _ffi.new('char[600]')
        k = _lib.hta_uri_expand(net._dev.uri.encode(), jobs, lst, err, 600)
        if k < 0:
            raise ValueError('jobs=%d on %r: %s' % (jobs, net._dev.uri, _s(err)))
        uris = [_s(lst[0][i]) for i in range(k)]
        _lib.hta_uri_list_free(lst[0])
    outs = [None] * jobs

    def run(nt, j):
        lo, hi = j * n // jobs, (j + 1) * n // jobs
        outs[j] = [nt.run_raw(nt.quantize(x[i:min(i + batch, hi)]))
                   .reshape(min(i + batch, hi) - i, -1) for i in range(lo, hi, batch)]

    def job(j):  # jobs 1.. : a device of the thread's own
        with Device(uris[j]) as dev:
            p = _ffi.new('hta_net **')
            dev._check(_lib.hta_load_model(dev._dev, net._model, p))
            run(Net(dev, p[0], net._model), j)  # the model stays net's

    if jobs == 1:
        run(net, 0)
    else:
        from concurrent.futures import ThreadPoolExecutor
        with ThreadPoolExecutor(max_workers=jobs - 1) as pool:
            futures = [pool.submit(job, j) for j in range(1, jobs)]
            try:
                run(net, 0)
            finally:
                for f in futures:
                    f.result()  # raises a job's error (after every job ended)
    hit1 = hit5 = 0
    labels = iter(y)
    for part in outs:
        for q in part:
            for v, label in zip(q.astype(np.int64), labels):
                rank = int((v > v[label]).sum() + (v[:label] == v[label]).sum())
                hit1 += int(np.argmax(v) == label)
                hit5 += rank < 5
    return {'n': n, 'top1': hit1 / max(n, 1), 'top5': hit5 / max(n, 1)}
