// PCIe
