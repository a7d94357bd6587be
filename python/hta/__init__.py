"""hta - Python tools of HTA, the hybrid ternary accelerator.

    hta.torch   a PyTorch model to a hybrid filter bank network (INT8 and
                ternary filters), fine-tuned and exported to the ONNX that
                `hta import` reads (needs python3-torch when imported).

The command line (`hta`) and the C library (libhta) drive the devices; see
README.md.
"""
__version__ = '0.1.0'
