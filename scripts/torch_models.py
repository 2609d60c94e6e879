"""The built-in models of hvd4j in PyTorch, with the same attribute (= state_dict) names and the
same registration order as hvd4j's org.hvd4j.nn.models.Models, so that state_dict keys, shapes
and order match namedParameters(). Shared by make_fixtures.py and torch_train.py.

  mlp    = fc1 784->512, ReLU, fc2 512->256, ReLU, fc3 256->10
  cnn    = conv1 1->32 5x5 pad 2, ReLU, maxpool 2, conv2 32->64 5x5 pad 2, ReLU, maxpool 2,
           flatten, fc1 3136->1024, ReLU, fc2 1024->10
  cnn-bn = cnn with BatchNorm2d bn1/bn2 after each convolution (conv -> bn -> relu -> pool)
"""
import torch.nn as nn
import torch.nn.functional as F


class MLP(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(784, 512)
        self.fc2 = nn.Linear(512, 256)
        self.fc3 = nn.Linear(256, 10)

    def forward(self, x):
        x = x.flatten(1)
        return self.fc3(F.relu(self.fc2(F.relu(self.fc1(x)))))


class CNN(nn.Module):
    def __init__(self, batch_norm=False):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 32, 5, padding=2)
        if batch_norm:
            self.bn1 = nn.BatchNorm2d(32)
        self.conv2 = nn.Conv2d(32, 64, 5, padding=2)
        if batch_norm:
            self.bn2 = nn.BatchNorm2d(64)
        self.fc1 = nn.Linear(3136, 1024)
        self.fc2 = nn.Linear(1024, 10)
        self.batch_norm = batch_norm

    def forward(self, x):
        x = self.conv1(x)
        if self.batch_norm:
            x = self.bn1(x)
        x = F.max_pool2d(F.relu(x), 2)
        x = self.conv2(x)
        if self.batch_norm:
            x = self.bn2(x)
        x = F.max_pool2d(F.relu(x), 2)
        return self.fc2(F.relu(self.fc1(x.flatten(1))))


MODELS = {"mlp": MLP, "cnn": lambda: CNN(False), "cnn-bn": lambda: CNN(True)}
